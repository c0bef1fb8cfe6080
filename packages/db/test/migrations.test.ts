import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDownToZero, migrateToLatest, migrationStatus, migrations } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.close());

const tables = async () =>
  (
    await sql<{ tablename: string }>`
      select tablename from pg_tables where schemaname = 'public' and tablename not like 'kysely_%' order by 1
    `.execute(tdb.owner)
  ).rows.map((r) => r.tablename);

describe('migrations', () => {
  it('round-trips latest → zero → latest', async () => {
    const before = await tables();
    expect(before).toContain('tenants');
    expect((await migrationStatus(tdb.owner)).current).toBe(true);

    const down = await migrateDownToZero(tdb.owner);
    expect(down.length).toBe(Object.keys(migrations).length);
    expect(await tables()).toEqual([]);
    expect((await migrationStatus(tdb.owner)).pending).toEqual(Object.keys(migrations));

    await migrateToLatest(tdb.owner);
    expect(await tables()).toEqual(before);
    expect((await migrationStatus(tdb.owner)).current).toBe(true);
  });

  it('is a no-op when already current', async () => {
    expect(await migrateToLatest(tdb.owner)).toEqual([]);
  });
});
