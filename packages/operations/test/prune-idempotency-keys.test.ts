import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, OPERATOR, pruneIdempotencyKeys } from '../src/index.ts';

let tdb: TestDatabase;
let tenantId: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  const { tenant } = await createTenant({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: { name: 'Keys', email: `keys-${Date.now()}@example.com`, password: 'correct horse battery' },
  });
  tenantId = tenant.id;
});
afterAll(() => tdb.close());

async function record(
  key: string,
  ageHours: number,
  status: 'completed' | 'in_progress',
  lockedForS?: number,
) {
  await sql`
    insert into idempotency_keys (tenant_id, mode, key, request_method, request_path, request_hash, status,
      locked_until, created_at)
    values (${tenantId}, 'test', ${key}, 'POST', '/v1/payments', 'h', ${status},
      ${lockedForS === undefined ? null : sql`now() + make_interval(secs => ${lockedForS})`},
      now() - make_interval(hours => ${ageHours}))
  `.execute(tdb.owner);
}

const keys = async () =>
  (
    await tdb.owner
      .selectFrom('idempotency_keys')
      .select('key')
      .where('tenant_id', '=', tenantId)
      .orderBy('key')
      .execute()
  ).map((r: { key: string }) => r.key);

describe('pruneIdempotencyKeys', () => {
  it('deletes records past 48 h whose claim is not held, in batches, and keeps the rest', async () => {
    for (let i = 0; i < 5; i++) await record(`old-${i}`, 49 + i, 'completed');
    await record('old-abandoned-claim', 72, 'in_progress', -60);
    await record('old-but-claimed', 72, 'in_progress', 60);
    await record('day-old', 30, 'completed');
    await record('fresh', 1, 'completed');

    expect(await pruneIdempotencyKeys(tdb.db, { batchSize: 2 })).toBe(6);
    expect(await keys()).toEqual(['day-old', 'fresh', 'old-but-claimed']);
    expect(await pruneIdempotencyKeys(tdb.db)).toBe(0);
  });

  it('never prunes inside the 24 h the contract promises, whatever it is asked', async () => {
    await record('twenty-three-hours', 23, 'completed');
    await record('twenty-five-hours', 25, 'completed');
    await pruneIdempotencyKeys(tdb.db, { olderThanS: 60 });
    const left = await keys();
    expect(left).toContain('twenty-three-hours');
    expect(left).not.toContain('twenty-five-hours');
  });
});
