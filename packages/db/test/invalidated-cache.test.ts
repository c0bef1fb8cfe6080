import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidatedCache } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

const CHANNEL = 'paymux_cache_probe';
let tdb: TestDatabase;
const caches: InvalidatedCache<string>[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await tdb.close();
});

async function started(options: { ttlMs?: number; maxEntries?: number; lost?: unknown[] } = {}) {
  const cache = new InvalidatedCache<string>({
    databaseUrl: tdb.url,
    channel: CHANNEL,
    ttlMs: options.ttlMs ?? 60_000,
    maxEntries: options.maxEntries ?? 100,
    onConnectionLost: (reason) => options.lost?.push(reason),
  });
  caches.push(cache);
  await cache.start();
  expect(cache.listening).toBe(true);
  return cache;
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('InvalidatedCache', () => {
  it('evicts a key when another connection commits a NOTIFY naming it, and only that key', async () => {
    const cache = await started();
    cache.set('a', 'A', cache.generation);
    cache.set('b', 'B', cache.generation);
    expect(cache.get('a')).toBe('A');
    await sql`select pg_notify(${CHANNEL}, 'a')`.execute(tdb.owner);
    await until(() => cache.get('a') === undefined);
    expect(cache.get('b')).toBe('B');
  });

  it('refuses a value read before an eviction that may concern it', async () => {
    const cache = await started();
    const before = cache.generation;
    cache.evict('a');
    cache.set('a', 'stale', before);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 'fresh', cache.generation);
    expect(cache.get('a')).toBe('fresh');
  });

  it('expires entries after their time to live, and keeps at most maxEntries (oldest dropped)', async () => {
    const short = await started({ ttlMs: 30 });
    short.set('a', 'A', short.generation);
    expect(short.get('a')).toBe('A');
    await new Promise((r) => setTimeout(r, 60));
    expect(short.get('a')).toBeUndefined();

    const small = await started({ maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) small.set(k, k.toUpperCase(), small.generation);
    expect([small.get('a'), small.get('b'), small.get('c')]).toEqual([undefined, 'B', 'C']);
  });

  it('is bypassed and emptied while its LISTEN connection is down, then listens again', async () => {
    const lost: unknown[] = [];
    const cache = await started({ lost });
    cache.set('a', 'A', cache.generation);
    const generation = cache.generation;
    await sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where query = ${`listen ${CHANNEL}`} and pid <> pg_backend_pid()
    `.execute(tdb.owner);
    await until(() => !cache.listening);
    expect(lost).toHaveLength(1);
    // Nothing served, nothing stored, and a read begun before the loss is refused afterwards.
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 'A', cache.generation);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.generation).not.toBe(generation);
    await until(() => cache.listening);
    cache.set('a', 'A', generation);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 'A', cache.generation);
    expect(cache.get('a')).toBe('A');
  });

  it('refuses a channel name that is not a plain identifier', () => {
    expect(
      () =>
        new InvalidatedCache({ databaseUrl: tdb.url, channel: 'x; drop table y', ttlMs: 1, maxEntries: 1 }),
    ).toThrow(/channel/);
  });
});
