import type { Migration } from 'kysely/migration';
import * as sandbox from './2026-11-26-0001-sandbox.ts';

/** The sandbox's own migrations, tracked in `sandbox.kysely_migration`. */
export const sandboxMigrations: Record<string, Migration> = {
  '2026-11-26-0001-sandbox': sandbox,
};
