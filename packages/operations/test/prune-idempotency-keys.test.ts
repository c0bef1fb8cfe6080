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

  it('keeps a key a request reclaims while the prune waits for its row', async () => {
    await record('reused-after-retention', 60, 'completed');
    // A request reuses the expired key (as the API's reclaim does) and holds the row when
    // the prune reaches it.
    const pruned = await tdb.owner.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await sql`
        update idempotency_keys set created_at = clock_timestamp(), status = 'in_progress',
          locked_until = now() + interval '60 seconds', response_status = null, response_body = null
        where tenant_id = ${tenantId} and mode = 'test' and key = 'reused-after-retention'
      `.execute(conn);
      const pruning = pruneIdempotencyKeys(tdb.db);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sql`commit`.execute(conn);
      return await pruning;
    });
    expect(pruned).toBe(0);
    expect(await keys()).toContain('reused-after-retention');
  });
});
