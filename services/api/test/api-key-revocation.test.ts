import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { OPERATOR, revokeApiKey } from '@paymux/operations';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyCache } from '../src/auth/api-key-cache.ts';
import {
  makeKey,
  makeTenant,
  mintToken,
  type TestKey,
  type TestTenant,
  testApp,
} from './support/fixtures.ts';

const silent = pino({ level: 'silent' });

let tdb: TestDatabase;
let tenant: TestTenant;
const caches: ApiKeyCache[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  tenant = await makeTenant(tdb);
});
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
afterAll(() => tdb.close());

function newCache(ttlMs?: number): ApiKeyCache {
  const cache = new ApiKeyCache({ databaseUrl: tdb.url, logger: silent, ...(ttlMs ? { ttlMs } : {}) });
  caches.push(cache);
  return cache;
}

async function whoami(app: ReturnType<typeof testApp>['app'], key: TestKey): Promise<Response> {
  return await app.request('/v1/whoami', { headers: { authorization: `Bearer ${await mintToken(key)}` } });
}

/** Revokes behind the product's back: no NOTIFY, as if a notification were lost. */
async function revokeSilently(keyId: string): Promise<void> {
  await tdb.owner.updateTable('api_keys').set({ revoked_at: sql`now()` }).where('id', '=', keyId).execute();
}

async function pollUntil<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number) {
  const started = performance.now();
  for (;;) {
    const value = await fn();
    const elapsed = performance.now() - started;
    if (done(value) || elapsed > timeoutMs) return { value, elapsed };
    await new Promise((r) => setTimeout(r, 5));
  }
}

const lastUsedAt = async (keyId: string): Promise<Date | null> =>
  (
    await tdb.owner
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', keyId)
      .executeTakeFirstOrThrow()
  ).last_used_at as Date | null;

describe('revocation with a listening key cache', () => {
  it('refuses a cached key within 2 s of revokeApiKey in another process', async ({ annotate }) => {
    const cache = newCache();
    await cache.start();
    expect(cache.listening).toBe(true);
    const { app } = testApp(tdb, { apiKeyCache: cache });
    const key = await makeKey(tdb, tenant.id);

    expect(cache.get(key.id)).toBeUndefined();
    expect((await whoami(app, key)).status).toBe(200);
    expect(cache.get(key.id)?.id).toBe(key.id);

    // A separate pool, as another API or CLI process would use.
    await revokeApiKey({
      ctx: { db: tdb.db, actor: OPERATOR },
      input: { tenantId: tenant.id, keyId: key.id },
    });
    const { value: res, elapsed } = await pollUntil(
      () => whoami(app, key),
      (r) => r.status === 401,
      2_000,
    );
    await annotate(`revoked key refused after ${Math.round(elapsed)} ms`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'invalid_token' });
    expect(elapsed).toBeLessThan(2_000);
    expect(cache.get(key.id)).toBeUndefined();
  });

  it('serves a key from the cache, so a revocation without NOTIFY lives only until the TTL (control)', async () => {
    const cache = newCache(400);
    await cache.start();
    const { app } = testApp(tdb, { apiKeyCache: cache });
    const key = await makeKey(tdb, tenant.id);
    expect((await whoami(app, key)).status).toBe(200);
    await revokeSilently(key.id);
    // Still cached: this is what makes the tests below meaningful.
    expect((await whoami(app, key)).status).toBe(200);
    const { value: res, elapsed } = await pollUntil(
      () => whoami(app, key),
      (r) => r.status === 401,
      2_000,
    );
    expect(res.status).toBe(401);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('never caches a key read before an eviction that raced it (NOTIFY between read and set)', async () => {
    const cache = newCache();
    await cache.start();
    const key = await makeKey(tdb, tenant.id);
    const entry = {
      id: key.id,
      tenantId: tenant.id,
      mode: 'test' as const,
      alg: 'ES256' as const,
      publicJwk: {},
      scopes: [],
      revoked: false,
      lastUsedAt: null,
    };
    // The verifier takes the generation, reads the key, and meanwhile the revocation's NOTIFY
    // evicts it: the stale read must not land in the cache.
    const generation = cache.generation;
    cache.evict(key.id);
    cache.set(entry, generation);
    expect(cache.get(key.id)).toBeUndefined();
    // Control: with no eviction in between, the same set caches.
    cache.set(entry, cache.generation);
    expect(cache.get(key.id)).toEqual(entry);
  });

  it('does not cache a key that is already revoked', async () => {
    const cache = newCache();
    await cache.start();
    const { app } = testApp(tdb, { apiKeyCache: cache });
    const key = await makeKey(tdb, tenant.id);
    await revokeApiKey({
      ctx: { db: tdb.db, actor: OPERATOR },
      input: { tenantId: tenant.id, keyId: key.id },
    });
    expect((await whoami(app, key)).status).toBe(401);
    expect(cache.get(key.id)).toBeUndefined();
  });
});

describe('revocation when the key cache is not listening', () => {
  it('refuses a revoked key on the very next request when the cache was never started', async () => {
    const cache = newCache();
    const { app } = testApp(tdb, { apiKeyCache: cache });
    const key = await makeKey(tdb, tenant.id);
    expect((await whoami(app, key)).status).toBe(200);
    expect(cache.get(key.id)).toBeUndefined();
    await revokeSilently(key.id);
    expect((await whoami(app, key)).status).toBe(401);
  });

  it('refuses a revoked key on the very next request once the cache is closed', async () => {
    const cache = newCache();
    await cache.start();
    const { app } = testApp(tdb, { apiKeyCache: cache });
    const key = await makeKey(tdb, tenant.id);
    expect((await whoami(app, key)).status).toBe(200);
    expect(cache.get(key.id)).toBeDefined();
    await cache.close();
    expect(cache.listening).toBe(false);
    await revokeSilently(key.id);
    expect((await whoami(app, key)).status).toBe(401);
  });

  it('bypasses and empties the cache while the LISTEN connection is down, then listens again', async () => {
    const cache = newCache();
    await cache.start();
    const { app } = testApp(tdb, { apiKeyCache: cache });
    const key = await makeKey(tdb, tenant.id);
    expect((await whoami(app, key)).status).toBe(200);
    expect(cache.get(key.id)).toBeDefined();

    const killed = await sql<{ killed: boolean }>`
      select pg_terminate_backend(pid) as killed from pg_stat_activity
      where datname = current_database() and query like 'listen %' and pid <> pg_backend_pid()
    `.execute(tdb.owner);
    expect(killed.rows.map((r) => r.killed)).toEqual([true]);
    const down = await pollUntil(
      async () => cache.listening,
      (listening) => !listening,
      2_000,
    );
    expect(down.value).toBe(false);

    await revokeSilently(key.id);
    expect((await whoami(app, key)).status).toBe(401);

    // It reconnects on its own (retry after 1 s) and caches again.
    const up = await pollUntil(
      async () => cache.listening,
      (listening) => listening,
      5_000,
    );
    expect(up.value).toBe(true);
    const fresh = await makeKey(tdb, tenant.id);
    expect((await whoami(app, fresh)).status).toBe(200);
    expect(cache.get(fresh.id)).toBeDefined();
  });
});

describe('last_used_at', () => {
  it('is set shortly after a successful request', async () => {
    const { app } = testApp(tdb);
    const key = await makeKey(tdb, tenant.id);
    expect(await lastUsedAt(key.id)).toBeNull();
    const before = Date.now();
    expect((await whoami(app, key)).status).toBe(200);
    const { value } = await pollUntil(
      () => lastUsedAt(key.id),
      (v) => v !== null,
      2_000,
    );
    expect(value).toBeInstanceOf(Date);
    // Database and test clocks are the same machine's; allow a little skew.
    expect((value as Date).getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('is not touched by a request with an invalid signature', async () => {
    const { app } = testApp(tdb);
    const key = await makeKey(tdb, tenant.id);
    const other = await makeKey(tdb, tenant.id);
    const forged = await mintToken({ ...other, id: key.id });
    const res = await app.request('/v1/whoami', { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await lastUsedAt(key.id)).toBeNull();
    // Control: a valid request through the same app does touch it within that window.
    expect((await whoami(app, key)).status).toBe(200);
    const { value } = await pollUntil(
      () => lastUsedAt(key.id),
      (v) => v !== null,
      300,
    );
    expect(value).not.toBeNull();
  });

  it('is not touched for a revoked key', async () => {
    const { app } = testApp(tdb);
    const key = await makeKey(tdb, tenant.id);
    await revokeApiKey({
      ctx: { db: tdb.db, actor: OPERATOR },
      input: { tenantId: tenant.id, keyId: key.id },
    });
    expect((await whoami(app, key)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await lastUsedAt(key.id)).toBeNull();
  });
});
