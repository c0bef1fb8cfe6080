// A bench-local `paymux start`: the API and the sandbox (mounted at /sandbox) in one
// process, on one real HTTP port, on a given PostgreSQL URL. It is the test support's
// startSandboxServer + startSandboxedApi, taking a URL instead of a vitest test database,
// and wired with the caches `paymux start` passes (ApiKeyCache with its LISTEN
// connection, CredentialCache).
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { ApiKeyCache, createApp } from '@paymux/api';
import type { Database } from '@paymux/db';
import { appKysely } from '@paymux/db';
import {
  CredentialCache,
  createApiKey,
  createRouteCache,
  createTenant,
  httpSandboxProvisioner,
  OPERATOR,
  type SandboxAdminClient,
} from '@paymux/operations';
import { sandboxEndpoints } from '@paymux/providers';
import { connectSandboxDb, createSandbox } from '@paymux/sandbox';
import { LocalKeyProvider } from '@paymux/vault';
import type { JWK } from 'jose';
import type { Kysely } from 'kysely';
import { pino } from 'pino';

export const AUDIENCE = 'paymux';

export interface BenchStack {
  /** e.g. http://127.0.0.1:41234 (the API; PUBLIC_URL) */
  readonly origin: string;
  /** `<origin>/sandbox` */
  readonly sandboxUrl: string;
  /** The app pool (role paymux_app), as the API uses it. */
  readonly db: Kysely<Database>;
  readonly vault: LocalKeyProvider;
  /** The vault's master key, for processes the bench starts beside the stack. */
  readonly masterKey: Buffer;
  readonly admin: SandboxAdminClient;
  close(): Promise<void>;
}

export interface BenchTenant {
  readonly tenantId: string;
  readonly keyId: string;
  readonly privateJwk: JWK;
  /** Test-mode merchant account ids by provider. */
  readonly accounts: Record<'wechatpay' | 'alipay', string>;
}

export async function startBenchStack(
  url: string,
  options: { poolSize?: number; sandboxPoolSize?: number } = {},
): Promise<BenchStack> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const masterKey = randomBytes(32);
  const vault = new LocalKeyProvider([masterKey]);
  const db = appKysely(url, options.poolSize ?? 20);
  const sandboxDb = await connectSandboxDb(
    url,
    options.sandboxPoolSize !== undefined ? { max: options.sandboxPoolSize } : {},
  );
  const apiKeyCache = new ApiKeyCache({ databaseUrl: url, logger });
  await apiKeyCache.start();
  if (!apiKeyCache.listening) throw new Error('ApiKeyCache did not start listening');
  const routeCache = createRouteCache({ databaseUrl: url });
  await routeCache.start();
  if (!routeCache.listening) throw new Error('the route cache did not start listening');

  // The port is known only once listening; the apps read their URLs through `origin`.
  let origin = '';
  let route: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 });
  const server = serve({ fetch: (request) => route(request), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sandboxUrl = `${origin}/sandbox`;

  const sandbox = createSandbox({
    db: sandboxDb,
    config: { publicUrl: sandboxUrl, adminToken: undefined, timeFactor: 1 },
    logger,
    now: () => new Date(),
  });
  // As `paymux start` (sandboxAdminFor): the local sandbox's admin API in process.
  const admin = httpSandboxProvisioner({
    sandboxUrl,
    fetch: async (u, init) => await sandbox.app.request(u.slice(sandboxUrl.length), init),
  });
  const { app } = createApp({
    db,
    config: { jwtAudience: AUDIENCE, maxBodyBytes: 1024 * 1024, publicUrl: origin },
    logger,
    apiKeyCache,
    routeCache,
    vault,
    credentialCache: new CredentialCache(),
    sandbox: admin,
    providerEndpoints: {
      live: sandboxEndpoints('http://127.0.0.1:9/sandbox'),
      test: sandboxEndpoints(sandboxUrl),
    },
  });
  app.route('/sandbox', sandbox.app);
  route = app.fetch;
  sandbox.start();

  let closed = false;
  return {
    origin,
    sandboxUrl,
    db,
    vault,
    masterKey,
    admin,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await sandbox.stop();
      await Promise.all([apiKeyCache.close(), routeCache.close()]);
      await db.destroy();
      await sandboxDb.destroy();
    },
  };
}

let signedUp = 0;

/** A tenant signed up with test mode (sandbox WeChat Pay + Alipay accounts) and a test API key. */
export async function signUpBenchTenant(stack: BenchStack): Promise<BenchTenant> {
  signedUp += 1;
  const created = await createTenant({
    ctx: { db: stack.db, actor: OPERATOR, testMode: { sandbox: stack.admin, vault: stack.vault } },
    input: {
      name: `Bench shop ${signedUp}`,
      email: `bench-${signedUp}-${Date.now()}@example.com`,
      password: 'correct horse battery',
    },
  });
  const key = await createApiKey({
    ctx: { db: stack.db, actor: OPERATOR },
    input: { tenantId: created.tenant.id, mode: 'test' },
  });
  if (!key.private_jwk) throw new Error('expected a generated key');
  const account = (provider: 'wechatpay' | 'alipay') => {
    const found = created.testAccounts.find((a) => a.provider === provider);
    if (!found) throw new Error(`no ${provider} test account`);
    return found.id;
  };
  return {
    tenantId: created.tenant.id,
    keyId: key.id,
    privateJwk: key.private_jwk,
    accounts: { wechatpay: account('wechatpay'), alipay: account('alipay') },
  };
}
