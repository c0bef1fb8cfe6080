import { ownerKysely } from '@paymux/db';
import type { Kysely } from 'kysely';
import { migrateSandbox } from './migrate.ts';
import type { SandboxDatabase } from './schema.ts';

/**
 * The sandbox's own pool on the same PostgreSQL (it plays the provider, so it is not a
 * tenant of the platform and does not use row-level security), scoped to schema `sandbox`.
 */
export async function connectSandboxDb(url: string, options: { migrate?: boolean; max?: number } = {}) {
  const owner = ownerKysely(url, options.max ?? 5);
  if (options.migrate ?? true) await migrateSandbox(owner);
  return owner.withSchema('sandbox') as unknown as Kysely<SandboxDatabase>;
}
