import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { inject } from 'vitest';
import { appKysely, ownerKysely } from '../connect.ts';
import type { Database } from '../schema.ts';
import { databaseUrlFor } from './urls.ts';

export interface TestDatabase {
  /** Connection string of this file's own database (connects as the schema owner). */
  readonly url: string;
  readonly name: string;
  /** App pool (role paymux_app), exactly as the product uses it. */
  readonly db: Kysely<Database>;
  /** Owner connection, for assertions that must look past row-level security. */
  readonly owner: Kysely<any>;
  close(): Promise<void>;
}

/**
 * A fresh database cloned from the run's migrated template, for one test file.
 * Files never share state and can run in parallel.
 *
 * @example
 * let tdb: TestDatabase;
 * beforeAll(async () => { tdb = await createTestDatabase(); });
 * afterAll(() => tdb.close());
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl, template, prefix } = inject('paymuxTestDatabase');
  const name = `${prefix}${randomBytes(5).toString('hex')}`;
  const admin = ownerKysely(adminUrl, 1);
  try {
    await sql`create database ${sql.id(name)} template ${sql.id(template)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  const url = databaseUrlFor(adminUrl, name);
  const db = appKysely(url, 5);
  const owner = ownerKysely(url, 2);
  return {
    url,
    name,
    db,
    owner,
    close: async () => {
      await db.destroy();
      await owner.destroy();
      const drop = ownerKysely(adminUrl, 1);
      try {
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(drop);
      } finally {
        await drop.destroy();
      }
    },
  };
}
