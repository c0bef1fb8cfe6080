import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystem, withTenant } from '../src/index.ts';
import type { Database } from '../src/schema.ts';
import { StatementCachingClient } from '../src/statement-cache.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { PaymuxPostgresDialect, transactionPreamble } from '../src/transaction-preamble.ts';

const A = 'tnt_01aaaaaaaaaaaaaaaaaaaaaaaa';
let tdb: TestDatabase;
let plain: Kysely<Database>;
let plainPool: pg.Pool;

const context = sql<{
  role: string;
  tenant: string | null;
  xact: string;
}>`select current_user as role, current_setting('app.tenant_id', true) as tenant, txid_current()::text as xact`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  plainPool = new pg.Pool({ connectionString: tdb.url, max: 2, options: '-c role=paymux_app' });
  plain = new Kysely<Database>({ dialect: new PostgresDialect({ pool: plainPool }) });
});
afterAll(async () => {
  await plain.destroy();
  await tdb.close();
});

describe('transaction setup sent with begin', () => {
  it('gives withTenant its role and tenant inside one transaction', async () => {
    const [first, second] = await withTenant(tdb.db, A, async (trx) => [
      (await context.execute(trx)).rows[0],
      (await context.execute(trx)).rows[0],
    ]);
    expect(first).toMatchObject({ role: 'paymux_app', tenant: A });
    // Same transaction throughout: the setup is transaction-local, not session state.
    expect(second?.xact).toBe(first?.xact);
    const after = (await context.execute(tdb.db)).rows[0];
    expect(after?.tenant ?? '').toBe('');
  });

  it('gives withSystem its role and application name', async () => {
    const row = await withSystem(
      tdb.db,
      'test-fixture',
      async (trx) =>
        (
          await sql<{
            role: string;
            app: string;
          }>`select current_user as role, current_setting('application_name') as app`.execute(trx)
        ).rows[0],
    );
    expect(row).toEqual({ role: 'paymux_system', app: 'paymux:system:test-fixture' });
  });

  it('refuses a purpose that is not a plain name', async () => {
    await expect(withSystem(tdb.db, "x', true); drop table tenants; --", async () => 1)).rejects.toThrow(
      /malformed purpose/,
    );
  });

  it('rolls back the setup with the transaction', async () => {
    await expect(
      withTenant(tdb.db, A, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const row = (await context.execute(tdb.db)).rows[0];
    expect(row?.role).toBe('paymux_app');
    expect(row?.tenant ?? '').toBe('');
  });

  it('leaves the pooled connection usable when the setup itself fails', async () => {
    const one = new Kysely<Database>({
      dialect: new PaymuxPostgresDialect({
        pool: new pg.Pool({ connectionString: tdb.url, max: 1, options: '-c role=paymux_app' }),
      }),
    });
    try {
      // A role that does not exist: the set_config fails after BEGIN ran.
      await expect(
        transactionPreamble.run(
          { sql: "select set_config('role', 'paymux_no_such_role', true)", sent: false },
          () => one.transaction().execute(async () => 1),
        ),
      ).rejects.toThrow(/permission denied|role/);
      // Same single connection: not stuck in an aborted transaction.
      const row = await withTenant(one, A, async (trx) => (await context.execute(trx)).rows[0]);
      expect(row).toMatchObject({ role: 'paymux_app', tenant: A });
    } finally {
      await one.destroy();
    }
  });

  it('does not leak the setup into a transaction opened from inside the callback', async () => {
    const inner = await withTenant(tdb.db, A, () =>
      tdb.db.transaction().execute(async (trx) => (await context.execute(trx)).rows[0]),
    );
    expect(inner?.tenant ?? '').toBe('');
  });

  it('still sets up the transaction on a Kysely built with the stock dialect', async () => {
    const row = await withTenant(plain, A, async (trx) => (await context.execute(trx)).rows[0]);
    expect(row).toMatchObject({ role: 'paymux_app', tenant: A });
  });
});

describe('pipeline mode (the app pool): BEGIN is not waited for', () => {
  it('sends the first statement without waiting for BEGIN, then one statement at a time', async () => {
    await withTenant(tdb.db, A, (trx) => context.execute(trx)); // warm: statements prepared
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    const sent: Array<[string, number]> = [];
    proto.query = function (this: unknown, ...args: unknown[]) {
      const self = this as { _activeQuery?: unknown; _sentQueryQueue?: unknown[]; _queryQueue?: unknown[] };
      const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text);
      // Queries of this client not yet answered when this one is written.
      const waiting =
        (self._activeQuery ? 1 : 0) + (self._sentQueryQueue?.length ?? 0) + (self._queryQueue?.length ?? 0);
      sent.push([(text.split(' ')[0] ?? '').toLowerCase(), waiting]);
      return original.apply(this, args);
    };
    let result: Array<Record<string, unknown> | undefined>;
    try {
      result = await withTenant(tdb.db, A, async (trx) => [
        (await context.execute(trx)).rows[0],
        (await context.execute(trx)).rows[0],
      ]);
    } finally {
      proto.query = original;
    }
    // BEGIN (with the preamble); the first select while BEGIN is still unanswered; then the
    // second select and COMMIT, each after the previous answer.
    expect(sent).toEqual([
      ['begin;', 0],
      ['select', 1],
      ['select', 0],
      ['commit', 0],
    ]);
    const [first, second] = result;
    expect(first).toMatchObject({ role: 'paymux_app', tenant: A });
    expect(second?.xact).toBe(first?.xact);
  });

  it('surfaces a failing preamble, runs nothing in its transaction, and leaves the connection usable', async () => {
    const one = new Kysely<Database>({
      dialect: new PaymuxPostgresDialect({
        pool: new pg.Pool({
          connectionString: tdb.url,
          max: 1,
          options: '-c role=paymux_app',
          pipeline: true,
          Client: StatementCachingClient,
        }),
      }),
    });
    const badRole = { sql: "select set_config('role', 'paymux_no_such_role', true)", sent: false };
    try {
      // No statement: the failure is found before COMMIT.
      await expect(
        transactionPreamble.run({ ...badRole }, () => one.transaction().execute(async () => 1)),
      ).rejects.toThrow(/permission denied|role/);
      // A statement behind it fails too: the transaction was already aborted.
      await expect(
        transactionPreamble.run({ ...badRole }, () =>
          one.transaction().execute(async (trx) => (await context.execute(trx)).rows[0]),
        ),
      ).rejects.toThrow(/aborted|permission denied|role/);
      const row = await withTenant(one, A, async (trx) => (await context.execute(trx)).rows[0]);
      expect(row).toMatchObject({ role: 'paymux_app', tenant: A });
      const outside = (await context.execute(one)).rows[0];
      expect(outside?.tenant ?? '').toBe('');
    } finally {
      await one.destroy();
    }
  });
});
