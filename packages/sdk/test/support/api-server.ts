import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import {
  makeKey,
  makeTenant,
  type TestKey,
  testApp,
} from '../../../../services/api/test/support/fixtures.ts';

export interface ApiServer {
  /** Origin of the real Paymux API, served over HTTP on a free loopback port. */
  readonly url: string;
  readonly tdb: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real API (`createApp`) on its own test database, listening on 127.0.0.1:<free port>.
 * `overrides` replace app dependencies, e.g. `{ webhooks: { allowLoopback: true } }`.
 */
export async function startApiServer(overrides: Parameters<typeof testApp>[1] = {}): Promise<ApiServer> {
  const tdb = await createTestDatabase();
  const { app } = testApp(tdb, overrides);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tdb,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tdb.close();
    },
  };
}

/** What `paymux api-key create` prints for a key. */
export function apiKeyFile(key: TestKey): { id: string; alg: 'ES256'; mode: string; private_jwk: object } {
  return { id: key.id, alg: 'ES256', mode: key.mode, private_jwk: key.privateJwk };
}

/** A fresh tenant with one API key (test mode unless told). */
export async function tenantWithKey(
  api: ApiServer,
  options: { mode?: 'test' | 'live' } = {},
): Promise<{ tenantId: string; key: TestKey }> {
  const tenant = await makeTenant(api.tdb, 'SDK tests');
  return { tenantId: tenant.id, key: await makeKey(api.tdb, tenant.id, options) };
}
