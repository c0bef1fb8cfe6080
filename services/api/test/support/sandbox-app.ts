import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  alipayCredentialsFromBundle,
  createMerchantAccount,
  createRouteCache,
  createTenant,
  httpSandboxProvisioner,
  OPERATOR,
  type RouteCache,
  wechatpayCredentialsFromBundle,
} from '@paymux/operations';
import { sandboxEndpoints } from '@paymux/providers';
import { pino } from 'pino';
import { type SandboxServer, startSandboxServer } from '../../../sandbox/test/support/sandbox-server.ts';
import { createApp } from '../../src/app.ts';
import { ApiKeyCache } from '../../src/auth/api-key-cache.ts';
import { AUDIENCE, makeKey, TEST_VAULT, type TestKey, UNREACHABLE_ENDPOINTS } from './fixtures.ts';

export interface SandboxedApi {
  readonly server: SandboxServer;
  readonly app: ReturnType<typeof createApp>['app'];
  /** The API served over HTTP (PUBLIC_URL): the sandbox delivers notifications here. */
  readonly apiOrigin: string;
  /** The notification route cache, as `paymux start` runs one. */
  readonly routeCache: RouteCache;
  close(): Promise<void>;
}

/**
 * The API wired to a real sandbox over HTTP (test-mode accounts route there), on the
 * sandbox server's test database, as `paymux start` wires them.
 */
export async function startSandboxedApi(
  options: {
    liveToSandbox?: boolean;
    /**
     * Verification keys cached for this long, as `paymux start` caches them (10 s there).
     * Without it every request reads its key from the database first.
     */
    apiKeyCacheTtlMs?: number;
  } = {},
): Promise<SandboxedApi> {
  const server = await startSandboxServer();
  const sandbox = httpSandboxProvisioner({ sandboxUrl: server.sandboxUrl });
  // The API gets its own real HTTP server, so provider notifications arrive over the wire.
  let fetchApp: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const http = serve({ fetch: (request) => fetchApp(request), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  const apiOrigin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const routeCache = createRouteCache({ databaseUrl: server.tdb.url });
  await routeCache.start();
  const apiKeyCache =
    options.apiKeyCacheTtlMs === undefined
      ? undefined
      : new ApiKeyCache({
          databaseUrl: server.tdb.url,
          logger: pino({ level: 'silent' }),
          ttlMs: options.apiKeyCacheTtlMs,
        });
  await apiKeyCache?.start();
  const { app } = createApp({
    db: server.tdb.db,
    config: { jwtAudience: AUDIENCE, maxBodyBytes: 64 * 1024, publicUrl: apiOrigin },
    logger: pino({ level: 'silent' }),
    vault: TEST_VAULT,
    // Live accounts reach the real providers in production; a test may point them at the sandbox too.
    providerEndpoints: {
      live: options.liveToSandbox ? sandboxEndpoints(server.sandboxUrl) : UNREACHABLE_ENDPOINTS,
      test: sandboxEndpoints(server.sandboxUrl),
    },
    sandbox,
    routeCache,
    ...(apiKeyCache ? { apiKeyCache } : {}),
  });
  fetchApp = (request) => app.fetch(request);
  return {
    server,
    app,
    apiOrigin,
    routeCache,
    close: async () => {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await routeCache.close();
      await apiKeyCache?.close();
      await server.close();
    },
  };
}

let n = 0;

/** A tenant signed up with test mode (sandbox WeChat Pay + Alipay accounts) and a test key. */
export async function signUpWithTestMode(api: SandboxedApi): Promise<{
  tenantId: string;
  key: TestKey;
  accounts: Record<'wechatpay' | 'alipay', { id: string; merchant: string }>;
}> {
  n += 1;
  const created = await createTenant({
    ctx: {
      db: api.server.tdb.db,
      actor: OPERATOR,
      testMode: { sandbox: httpSandboxProvisioner({ sandboxUrl: api.server.sandboxUrl }), vault: TEST_VAULT },
    },
    input: {
      name: `Shop ${n}`,
      email: `shop-${n}-${Date.now()}@example.com`,
      password: 'correct horse battery',
    },
  });
  const key = await makeKey(api.server.tdb, created.tenant.id);
  const pick = (provider: 'wechatpay' | 'alipay') => {
    const account = created.testAccounts.find((a) => a.provider === provider);
    if (!account) throw new Error(`no ${provider} test account`);
    const merchant = provider === 'wechatpay' ? account.identifiers.mchid : account.identifiers.app_id;
    return { id: account.id, merchant: String(merchant) };
  };
  return {
    tenantId: created.tenant.id,
    key,
    accounts: { wechatpay: pick('wechatpay'), alipay: pick('alipay') },
  };
}

/** Gives a tenant sandbox-backed Alipay and WeChat Pay accounts in a mode (live ones too, for isolation tests). */
export async function giveSandboxAccounts(
  api: SandboxedApi,
  tenantId: string,
  mode: 'test' | 'live',
): Promise<void> {
  const sandbox = httpSandboxProvisioner({ sandboxUrl: api.server.sandboxUrl });
  const [wechat, alipay] = await Promise.all([
    sandbox.createWechatpayMerchant('suite'),
    sandbox.createAlipayApp('suite'),
  ]);
  for (const [provider, credentials] of [
    ['wechatpay', wechatpayCredentialsFromBundle(wechat)],
    ['alipay', alipayCredentialsFromBundle(alipay)],
  ] as const) {
    await createMerchantAccount({
      ctx: { db: api.server.tdb.db, vault: TEST_VAULT, actor: OPERATOR },
      input: { tenantId, mode, provider, display_name: `${provider} ${mode}`, credentials },
    });
  }
}
