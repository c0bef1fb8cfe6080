import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { sandboxMigrations } from './migrations/index.ts';

/** Creates the `sandbox` schema if needed and applies the sandbox's pending migrations. */
export async function migrateSandbox(db: Kysely<any>): Promise<void> {
  await sql`create schema if not exists sandbox`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => sandboxMigrations },
    migrationTableSchema: 'sandbox',
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
}
