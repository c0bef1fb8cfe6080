import { type Kysely, sql } from 'kysely';
import { type MigrationResultSet, Migrator, NO_MIGRATIONS } from 'kysely/migration';
import { migrations } from './migrations/index.ts';

const migrator = (db: Kysely<any>) =>
  new Migrator({ db, provider: { getMigrations: async () => migrations } });

function unwrap(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    // No failed migration means Kysely never got to run one (e.g. no connection).
    if (!failed) throw result.error;
    const message = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed.migrationName} failed: ${message}`, {
      cause: result.error,
    });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Runs every pending migration. Must run as the schema owner (the connecting user,
 * not the app role). Kysely takes an advisory lock, so concurrent starts are safe.
 * Returns the names of the migrations applied now.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return unwrap(await migrator(db).migrateToLatest());
}

/** Rolls every migration back (used by the migration round-trip test). */
export async function migrateDownToZero(db: Kysely<any>): Promise<string[]> {
  return unwrap(await migrator(db).migrateTo(NO_MIGRATIONS));
}

export interface MigrationStatus {
  readonly applied: string[];
  readonly pending: string[];
  readonly current: boolean;
}

/** Which migrations this build knows that the database has not applied. */
export async function migrationStatus(db: Kysely<any>): Promise<MigrationStatus> {
  const known = Object.keys(migrations).sort();
  let applied: string[] = [];
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    applied = rows.rows.map((r) => r.name);
  } catch (error) {
    // No migration table yet means nothing is applied.
    if (!String(error).includes('kysely_migration')) throw error;
  }
  const pending = known.filter((name) => !applied.includes(name));
  return { applied, pending, current: pending.length === 0 };
}
