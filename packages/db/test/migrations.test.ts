import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrateDownToZero,
  migrateToLatest,
  migrationStatus,
  migrations,
  ownerKysely,
} from '../src/index.ts';
import { createTestDatabase, databaseUrlFor, type TestDatabase } from '../src/testing/index.ts';

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

  // A managed PostgreSQL gives the schema owner CREATEROLE, never superuser.
  it('runs to the latest as a schema owner who is not a superuser', async () => {
    const name = `paymux_nonsuper_${randomBytes(4).toString('hex')}`;
    const admin = tdb.owner;
    const password = randomBytes(12).toString('hex');
    await sql`create role ${sql.id(name)} login createrole nosuperuser password ${sql.lit(password)}`.execute(
      admin,
    );
    await sql`create database ${sql.id(name)} owner ${sql.id(name)}`.execute(admin);
    // The app roles are cluster-wide and already exist here (made by this run's superuser);
    // on PostgreSQL 16+ their maker must hand them over with ADMIN, as a DBA would.
    await sql`grant paymux_app, paymux_system to ${sql.id(name)} with admin option`.execute(admin);
    const url = new URL(databaseUrlFor(tdb.url, name));
    url.username = name;
    url.password = password;
    const owner = ownerKysely(url.toString(), 1);
    try {
      const who = await sql<{
        rolsuper: boolean;
      }>`select rolsuper from pg_roles where rolname = current_user`.execute(owner);
      expect(who.rows[0]?.rolsuper).toBe(false);
      const applied = await migrateToLatest(owner);
      expect(applied).toEqual(Object.keys(migrations));
      expect((await migrationStatus(owner)).current).toBe(true);
    } finally {
      await owner.destroy();
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
      await sql`drop owned by ${sql.id(name)}`.execute(admin).catch(() => {});
      await sql`drop role if exists ${sql.id(name)}`.execute(admin);
    }
  });
});
