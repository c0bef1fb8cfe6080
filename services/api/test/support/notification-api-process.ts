// The API alone in its own process, for crash tests: `createApp` served with
// @hono/node-server on PORT, as `paymux start` wires it (CredentialCache, ApiKeyCache),
// configured from the environment:
//
//   DATABASE_URL        the migrated database (owner URL; the API uses role paymux_app)
//   PORT                loopback port to listen on
//   PUBLIC_URL          base of notify URLs (http://127.0.0.1:PORT)
//   PAYMUX_SANDBOX_URL  test-mode provider endpoints
//   PAYMUX_MASTER_KEY   base64 32-byte master key (the one the test sealed credentials with)
//   PAYMUX_TEST_CRASH_AFTER_NOTIFY=1
//                       test-only: SIGKILL this process right after a /notify request has
//                       been handled (ingestNotification returned, its transaction committed)
//                       and before a byte of the acknowledgement is written.
//
// Prints `listening <port>` on stdout once it accepts connections.
import { serve } from '@hono/node-server';
import { appKysely } from '@paymux/db';
import { CredentialCache, createRouteCache } from '@paymux/operations';
import { sandboxEndpoints } from '@paymux/providers';
import { LocalKeyProvider } from '@paymux/vault';
import { pino } from 'pino';
import { createApp } from '../../src/app.ts';
import { ApiKeyCache } from '../../src/auth/api-key-cache.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const databaseUrl = required('DATABASE_URL');
const port = Number(required('PORT'));
const publicUrl = required('PUBLIC_URL');
const sandboxUrl = required('PAYMUX_SANDBOX_URL');
const masterKey = Buffer.from(required('PAYMUX_MASTER_KEY'), 'base64');
const crashAfterNotify = process.env.PAYMUX_TEST_CRASH_AFTER_NOTIFY === '1';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const db = appKysely(databaseUrl, 5);
const apiKeyCache = new ApiKeyCache({ databaseUrl, logger });
await apiKeyCache.start();
const routeCache = createRouteCache({ databaseUrl });
await routeCache.start();
const { app } = createApp({
  db,
  config: { jwtAudience: 'paymux', maxBodyBytes: 1024 * 1024, publicUrl },
  logger,
  apiKeyCache,
  routeCache,
  vault: new LocalKeyProvider([masterKey]),
  credentialCache: new CredentialCache(),
  providerEndpoints: {
    live: sandboxEndpoints('http://127.0.0.1:9/sandbox'),
    test: sandboxEndpoints(sandboxUrl),
  },
});

const server = serve({
  fetch: async (request, env) => {
    const response = await app.fetch(request, env);
    if (crashAfterNotify && new URL(request.url).pathname.startsWith('/notify/')) {
      // The route returns only after ingestNotification's transaction committed; the
      // provider has not received the acknowledgement yet. Die as a power cut would.
      process.kill(process.pid, 'SIGKILL');
    }
    return response;
  },
  port,
  hostname: '127.0.0.1',
});
server.once('listening', () => process.stdout.write(`listening ${port}\n`));
server.once('error', (error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
process.once('SIGTERM', () => {
  server.close();
  void Promise.all([apiKeyCache.close(), routeCache.close()]).finally(() =>
    db.destroy().finally(() => process.exit(0)),
  );
});
