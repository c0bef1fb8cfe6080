import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystem, withTenant } from '../src/index.ts';
import type { Database } from '../src/schema.ts';
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
