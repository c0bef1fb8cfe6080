import type { MerchantAccountRow } from '@paymux/db';
import {
  type AlipayCredentials,
  createPaymentProvider,
  type PaymentProvider,
  type ProviderEndpoints,
  type WechatpayCredentials,
} from '@paymux/providers';
import type { KeyProvider } from '@paymux/vault';
import type { CredentialCache } from './open-credentials.ts';
import { openCredentials } from './open-credentials.ts';
import type { AnyCredentials } from './validate-credentials.ts';

/** Live accounts reach the real providers; test-mode accounts only ever reach the sandbox. */
export interface EndpointsByMode {
  readonly live: ProviderEndpoints;
  readonly test: ProviderEndpoints;
}

export interface ProviderContext {
  readonly vault: KeyProvider;
  readonly endpoints: EndpointsByMode;
  readonly credentialCache?: CredentialCache | undefined;
  readonly providerTimeoutMs?: number | undefined;
  readonly now?: (() => Date) | undefined;
}

/**
 * Adapters built from cached credentials, reused while those credentials are (a credential
 * object is replaced whenever the account changes, see CredentialCache): building one parses
 * the account's keys (WeChat Pay's platform public keys), which cost more than verifying a
 * notification's signature. Keyed by the endpoints object and settings that shaped it.
 */
const built = new WeakMap<object, WeakMap<object, Map<string, PaymentProvider>>>();

/** The PaymentProvider for a merchant account row: credentials decrypted (cached briefly), endpoints by mode. */
export async function providerForAccount(
  ctx: ProviderContext,
  row: MerchantAccountRow,
): Promise<PaymentProvider> {
  const credentials = ctx.credentialCache
    ? await ctx.credentialCache.open(ctx.vault, row)
    : await openCredentials(ctx.vault, row);
  const endpoints = row.mode === 'live' ? ctx.endpoints.live : ctx.endpoints.test;
  // A caller's own clock (tests) gets a fresh adapter: only the default clock is shared.
  const reusable = ctx.credentialCache !== undefined && ctx.now === undefined;
  const key = `${row.provider}|${ctx.providerTimeoutMs ?? ''}|${row.certificate_expires_at?.getTime() ?? ''}`;
  if (reusable) {
    const hit = built.get(credentials)?.get(endpoints)?.get(key);
    if (hit) return hit;
  }
  const provider = buildProvider(ctx, row, credentials, endpoints);
  if (reusable) {
    const byEndpoints = built.get(credentials) ?? new WeakMap<object, Map<string, PaymentProvider>>();
    built.set(credentials, byEndpoints);
    const byKey = byEndpoints.get(endpoints) ?? new Map<string, PaymentProvider>();
    byEndpoints.set(endpoints, byKey);
    byKey.set(key, provider);
  }
  return provider;
}

function buildProvider(
  ctx: ProviderContext,
  row: MerchantAccountRow,
  credentials: AnyCredentials,
  endpoints: ProviderEndpoints,
): PaymentProvider {
  const options = {
    ...(ctx.providerTimeoutMs !== undefined ? { timeoutMs: ctx.providerTimeoutMs } : {}),
    ...(ctx.now ? { now: ctx.now } : {}),
  };
  return row.provider === 'wechatpay'
    ? createPaymentProvider(
        {
          provider: 'wechatpay',
          credentials: credentials as WechatpayCredentials,
          certificateExpiresAt: row.certificate_expires_at,
        },
        endpoints,
        options,
      )
    : createPaymentProvider(
        { provider: 'alipay', credentials: credentials as AlipayCredentials },
        endpoints,
        options,
      );
}
