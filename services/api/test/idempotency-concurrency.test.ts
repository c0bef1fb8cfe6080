import { type Database, ownerKysely } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { testAlipayCredentials } from '@paymux/providers/testing';
import { type Kysely, sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKey, makeTenant, mintToken, type TestKey, testApp } from './support/fixtures.ts';

// Concurrency made deterministic with real PostgreSQL locks held by the test, never with
// sleeps: a request is known to be blocked when pg_stat_activity shows it waiting.

const PATH = '/v1/merchant_accounts';

let tdb: TestDatabase;
/** Extra owner connections: locks held by the test plus one to watch the others. */
let control: Kysely<Database>;
let app: ReturnType<typeof testApp>['app'];
let tenantId: string;
let key: TestKey;
let credentials: Record<string, string>;
let keyCounter = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
  control = ownerKysely(tdb.url, 4);
  app = testApp(tdb).app;
  tenantId = (await makeTenant(tdb, 'Concurrency')).id;
  key = await makeKey(tdb, tenantId);
  credentials = { ...testAlipayCredentials() };
});
afterAll(async () => {
  await control.destroy();
  await tdb.close();
});

function newKey(): string {
  keyCounter += 1;
  return `concurrent-${Date.now()}-${keyCounter}`;
}

async function post(idempotencyKey: string, displayName: string): Promise<Response> {
  return await app.request(PATH, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await mintToken(key)}`,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
    },
    body: JSON.stringify({ provider: 'alipay', display_name: displayName, credentials }),
  });
}

async function accountsNamed(displayName: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from merchant_accounts where display_name = ${displayName}
  `.execute(control);
  return r.rows[0]?.n ?? 0;
}

class Rollback extends Error {}

/**
 * Runs `setup` in a transaction on the control pool and keeps that transaction open
 * (with whatever locks it took) until the returned function ends it.
 */
async function holdTransaction(
  setup: (trx: Transaction<Database>) => Promise<void>,
  end: 'commit' | 'rollback' = 'commit',
): Promise<() => Promise<void>> {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let ready!: () => void;
  let failed!: (error: unknown) => void;
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const done = control
    .transaction()
    .execute(async (trx) => {
      await setup(trx);
      ready();
      await finished;
      if (end === 'rollback') throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) {
        failed(error);
        throw error;
      }
    });
  await started;
  return async () => {
    finish();
    await done;
  };
}

/** Holds the lock `createMerchantAccount` takes for this tenant's test-mode Alipay default slot. */
function holdDefaultSlot(): Promise<() => Promise<void>> {
  return holdTransaction(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`merchant-default:${tenantId}:test:alipay`}, 0))`.execute(
      trx,
    );
  });
}

/** Sessions of this database waiting on a lock of the given kind ('advisory', 'transactionid', …). */
async function waitersOn(event: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and wait_event = ${event}
  `.execute(control);
  return r.rows[0]?.n ?? 0;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function expectInUse(res: Response): Promise<void> {
  expect(res.status).toBe(409);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.headers.get('retry-after')).toBe('1');
  expect(await res.json()).toMatchObject({ status: 409, code: 'idempotency_key_in_use' });
}

describe('concurrent requests with one Idempotency-Key', () => {
  it('answers a duplicate 409 while the first runs, then replays the first once it completes', async () => {
    const idempotencyKey = newKey();
    const releaseSlot = await holdDefaultSlot();
    let first: Promise<Response> | undefined;
    try {
      first = post(idempotencyKey, 'Slow first shop');
      // The first request has claimed the key and is inside its handler, blocked.
      await until('the first request waits in its handler', async () => (await waitersOn('advisory')) === 1);
      const row = await control
        .selectFrom('idempotency_keys')
        .select('status')
        .where('key', '=', idempotencyKey)
        .executeTakeFirst();
      expect(row?.status).toBe('in_progress');

      const [duplicate, alsoDuplicate] = await Promise.all([
        post(idempotencyKey, 'Slow first shop'),
        post(idempotencyKey, 'Slow first shop'),
      ]);
      await expectInUse(duplicate);
      await expectInUse(alsoDuplicate);
    } finally {
      await releaseSlot();
    }
    const firstRes = await first;
    expect(firstRes.status).toBe(201);
    const firstText = await firstRes.text();

    const retry = await post(idempotencyKey, 'Slow first shop');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.text()).toBe(firstText);
    expect(await accountsNamed('Slow first shop')).toBe(1);
  });

  it('lets exactly one of two simultaneous claims run when both insert the key at once', async () => {
    const idempotencyKey = newKey();
    const releaseSlot = await holdDefaultSlot();
    // An uncommitted row for the key makes both requests' claim inserts wait on it, so
    // they race for the key the moment it rolls back.
    const releaseRow = await holdTransaction(async (trx) => {
      await sql`
        insert into idempotency_keys (tenant_id, mode, key, request_method, request_path, request_hash, status, locked_until)
        values (${tenantId}, 'test', ${idempotencyKey}, 'POST', ${PATH}, 'placeholder', 'in_progress', now() + interval '1 minute')
      `.execute(trx);
    }, 'rollback');
    let responses: Promise<Response>[] = [];
    try {
      responses = [post(idempotencyKey, 'Simultaneous shop'), post(idempotencyKey, 'Simultaneous shop')];
      await until(
        'both claims wait on the uncommitted row',
        async () => (await waitersOn('transactionid')) === 2,
      );
      await releaseRow();
      // One claim wins and blocks in its handler; the other finds it in progress.
      const loser = await Promise.race(responses);
      await expectInUse(loser);
      await until('the winner waits in its handler', async () => (await waitersOn('advisory')) === 1);
    } finally {
      await releaseSlot();
    }
    const statuses = (await Promise.all(responses)).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    expect(await accountsNamed('Simultaneous shop')).toBe(1);
  });

  it('runs a burst of identical requests once: every answer is the one result, a 409, or its replay', async () => {
    const idempotencyKey = newKey();
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(idempotencyKey, 'Burst shop')));
    const created = responses.filter((r) => r.status === 201);
    const executed = created.filter((r) => r.headers.get('idempotent-replayed') === null);
    expect(executed).toHaveLength(1);
    for (const res of responses) expect([201, 409]).toContain(res.status);
    const bodies = new Set(await Promise.all(created.map((r) => r.text())));
    expect(bodies.size).toBe(1);
    expect(await accountsNamed('Burst shop')).toBe(1);
    const row = await control
      .selectFrom('idempotency_keys')
      .select('status')
      .where('key', '=', idempotencyKey)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('completed');
  });
});
