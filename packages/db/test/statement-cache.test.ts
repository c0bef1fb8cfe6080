import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appKysely, ownerKysely, withTenant } from '../src/index.ts';
import { StatementCachingClient } from '../src/statement-cache.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

const A = 'tnt_01aaaaaaaaaaaaaaaaaaaaaaaa';
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.close();
});

/** A one-connection client as the app pool makes them, as the schema owner. */
async function client(): Promise<StatementCachingClient> {
  const c = new StatementCachingClient({ connectionString: tdb.url });
  await c.connect();
  return c;
}

async function preparedOn(c: pg.Client): Promise<string[]> {
  // Unparameterised, so it is not itself prepared.
  const { rows } = await c.query<{ statement: string }>(
    'select statement from pg_prepared_statements order by prepare_time',
  );
  return rows.map((r) => r.statement);
}

describe('StatementCachingClient', () => {
  it('prepares a parameterised statement once per connection and reuses it', async () => {
    const c = await client();
    try {
      for (let i = 0; i < 5; i++) {
        const rows = (await c.query('select $1::int + 1 as n', [i])).rows as { n: number }[];
        expect(rows[0]?.n).toBe(i + 1);
      }
      expect(await preparedOn(c)).toEqual(['select $1::int + 1 as n']);
      // Statements without parameters (BEGIN with its preamble, COMMIT) go as before.
      await c.query('begin; select 1; commit');
      expect(await preparedOn(c)).toHaveLength(1);
    } finally {
      await c.end();
    }
  });

  it('keeps at most 400 statements prepared on one connection; the rest still run', async () => {
    const c = await client();
    try {
      for (let i = 0; i < 410; i++) {
        const rows = (await c.query(`select $1::int + ${i} as n`, [1])).rows as { n: number }[];
        expect(rows[0]?.n).toBe(1 + i);
      }
      expect(await preparedOn(c)).toHaveLength(400);
    } finally {
      await c.end();
    }
  });

  it('fails once when a migration changes a prepared select *, then prepares it afresh', async () => {
    const owner = ownerKysely(tdb.url, 1);
    const c = await client();
    try {
      await sql`create table cache_probe (id int primary key)`.execute(owner);
      await sql`insert into cache_probe values (1)`.execute(owner);
      const probe = 'select * from cache_probe where id = $1';
      expect((await c.query(probe, [1])).rows).toEqual([{ id: 1 }]);
      await sql`alter table cache_probe add column note text default 'x'`.execute(owner);
      await expect(c.query(probe, [1])).rejects.toMatchObject({ code: '0A000' });
      expect((await c.query(probe, [1])).rows).toEqual([{ id: 1, note: 'x' }]);
      expect((await c.query(probe, [1])).rows).toEqual([{ id: 1, note: 'x' }]);
    } finally {
      await c.end();
      await sql`drop table if exists cache_probe`.execute(owner);
      await owner.destroy();
    }
  });

  it('is what the app pool runs: tenant transactions reuse prepared statements', async () => {
    const db = appKysely(tdb.url, 1);
    try {
      for (let i = 0; i < 3; i++) {
        const rows = await withTenant(db, A, (trx) =>
          trx.selectFrom('api_keys').select('id').where('tenant_id', '=', A).execute(),
        );
        expect(rows).toEqual([]);
      }
      const statements = await sql<{ statement: string }>`
        select statement from pg_prepared_statements
      `.execute(db);
      // The catalogue read above is itself parameterless; the api_keys select was prepared once.
      expect(statements.rows.filter((r) => r.statement.includes('"api_keys"'))).toHaveLength(1);
    } finally {
      await db.destroy();
    }
  });
});
