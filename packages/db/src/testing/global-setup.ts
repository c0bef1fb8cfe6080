import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { TestProject } from 'vitest/node';
import { ownerKysely } from '../connect.ts';
import { startEmbeddedPostgres } from '../embedded-postgres.ts';
import { migrateToLatest } from '../migrate.ts';
import { databaseUrlFor } from './urls.ts';

/**
 * Vitest global setup: one PostgreSQL per test run (DATABASE_URL's server, or a fresh
 * embedded cluster in a temp dir), one migrated template database, and a name prefix
 * for the per-file clones that `createTestDatabase()` makes from it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(4).toString('hex');
  const externalUrl = process.env.DATABASE_URL;
  let dataDir: string | undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let adminUrl: string;
  if (externalUrl) {
    adminUrl = externalUrl;
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'paymux-test-'));
    await chmod(dataDir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir });
    adminUrl = server.url;
    stopEmbedded = server.stop;
  }

  const template = `paymux_tpl_${runId}`;
  const admin = ownerKysely(adminUrl, 1);
  await sql`create database ${sql.id(template)}`.execute(admin);
  const templateDb = ownerKysely(databaseUrlFor(adminUrl, template), 1);
  try {
    await migrateToLatest(templateDb);
  } finally {
    await templateDb.destroy();
  }

  project.provide('paymuxTestDatabase', { adminUrl, template, prefix: `paymux_t_${runId}_` });

  return async () => {
    const leftovers = await sql<{ datname: string }>`
      select datname from pg_database where datname like ${`paymux_t_${runId}_%`} or datname = ${template}
    `.execute(admin);
    for (const { datname } of leftovers.rows) {
      await sql`drop database if exists ${sql.id(datname)} with (force)`.execute(admin);
    }
    await admin.destroy();
    await stopEmbedded?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    paymuxTestDatabase: { adminUrl: string; template: string; prefix: string };
  }
}
