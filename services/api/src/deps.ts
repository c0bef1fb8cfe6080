import type { Database } from '@paymux/db';
import type { CredentialCache, EndpointsByMode, RouteCache, SandboxAdminClient } from '@paymux/operations';
import type { KeyProvider } from '@paymux/vault';
import type { BaseLookup } from '@paymux/webhooks';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ApiKeyCache } from './auth/api-key-cache.ts';
import type { RateLimit } from './auth/rate-limiter.ts';
import type { IdempotencyHandle } from './idempotency/idempotent.ts';

/** Settings the API needs, parsed once at start-up by the entry point. */
export interface ApiConfig {
  /** Expected JWT `aud` (PAYMUX_JWT_AUDIENCE). */
  readonly jwtAudience: string;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** PUBLIC_URL: providers call back at `<publicUrl>/notify/{provider}/{merchant_account_id}`. */
  readonly publicUrl: string;
  /** Per-API-key request limit (per process); absent or perSecond 0 means unlimited. */
  readonly rateLimit?: RateLimit;
  /** Optional source allow-lists for provider callbacks (checked in addition to signatures). */
  readonly notifyAllowCidrs?: { readonly wechatpay?: readonly string[]; readonly alipay?: readonly string[] };
  /** Proxies whose X-Forwarded-For is believed when deciding a callback's source address. */
  readonly trustedProxyCidrs?: readonly string[];
}

/** Everything `createApp` needs, passed in so a test can swap any of it. */
export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly config: ApiConfig;
  readonly logger: Logger;
  /** Seals and opens merchant credentials and webhook signing secrets. */
  readonly vault: KeyProvider;
  /** Provider base URLs: live accounts reach the real providers, test ones the sandbox. */
  readonly providerEndpoints: EndpointsByMode;
  /** The sandbox's admin API, for test-mode helpers (`/v1/test_helpers`); absent means they answer 503. */
  readonly sandbox?: SandboxAdminClient;
  /** Timeout of every provider call (PAYMUX_PROVIDER_TIMEOUT_MS). */
  readonly providerTimeoutMs?: number;
  /** Decrypted credentials kept briefly; one per process. */
  readonly credentialCache?: CredentialCache;
  /** Routed merchant accounts for /notify; without one every notification is routed by a query. */
  readonly routeCache?: RouteCache;
  /** Verification-key cache; without one every request reads its key from the database. */
  readonly apiKeyCache?: ApiKeyCache;
  /** Outbound webhook settings: the SSRF guard's loopback switch, DNS for tests, the test-send timeout. */
  readonly webhooks?: {
    readonly allowLoopback: boolean;
    readonly lookup?: BaseLookup;
    readonly testTimeoutMs?: number;
  };
  /** Clock for token validation; tests pass a fixed one. */
  readonly now?: () => Date;
}

export interface AuthContext {
  readonly tenantId: string;
  readonly keyId: string;
  readonly mode: 'test' | 'live';
  readonly scopes: readonly string[];
}

/** Hono environment: per-request variables set by middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    auth: AuthContext;
    /** The claimed Idempotency-Key, on idempotent routes that received one. */
    idempotency: IdempotencyHandle | undefined;
  };
}
