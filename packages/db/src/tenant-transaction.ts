import { type CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import type pg from 'pg';
import { oneTripOnPool, poolOf } from './one-trip.ts';
import { OneTripBatcher } from './one-trip-batch.ts';
import type { Database } from './schema.ts';
import { transactionPreamble } from './transaction-preamble.ts';

const TENANT_ID = /^tnt_[0-9a-z]{26}$/;
const PURPOSE = /^[a-z0-9][a-z0-9:._-]{0,47}$/;

/**
 * Opens a transaction whose first statement is `setup` (literal SQL from validated
 * values): with Paymux's dialect it travels with `begin` in one round trip; with any
 * other dialect it runs as the transaction's first query. `fn` runs without the
 * preamble in scope, so transactions it opens elsewhere are not affected.
 */
async function transactionWith<T>(
  db: Kysely<Database>,
  setup: string,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const preamble = { sql: setup, sent: false };
  return await transactionPreamble.run(preamble, () =>
    db.transaction().execute((trx) =>
      transactionPreamble.exit(async () => {
        if (!preamble.sent) await sql.raw(setup).execute(trx);
        return await fn(trx);
      }),
    ),
  );
}

/** A transaction in which row-level security scopes every query to one tenant. */
export type TenantTransaction = Transaction<Database>;

/**
 * Runs `fn` in a transaction as `paymux_app` with the tenant set transaction-locally,
 * so row-level security limits every statement to that tenant's rows. All tenant work
 * goes through here; repository functions take the transaction it hands out.
 *
 * @example
 * const keys = await withTenant(db, tenantId, (trx) =>
 *   trx.selectFrom('api_keys').selectAll().execute());
 */
export async function withTenant<T>(
  db: Kysely<Database>,
  tenantId: string,
  fn: (trx: TenantTransaction) => Promise<T>,
): Promise<T> {
  if (!TENANT_ID.test(tenantId)) throw new Error('withTenant: malformed tenant id');
  return await transactionWith(db, tenantSetup(tenantId), fn);
}

/** A transaction under the `paymux_system` role: cross-tenant, narrowly granted. */
export type SystemTransaction = Transaction<Database> & { readonly __system: true };

/**
 * The reviewed path for cross-tenant work (docs/adr/0003-row-level-security.md):
 * resolving an API key by its kid, sign-up, readiness, master-key rotation, claiming due
 * webhook deliveries. (Routing a provider notification is the other reviewed path: one
 * SQL function, migration 0008.) It runs as `paymux_system`, whose grants are limited to
 * exactly those needs. Callers name their purpose, which tags the transaction for
 * `pg_stat_activity` and logs.
 */
export async function withSystem<T>(
  db: Kysely<Database>,
  purpose: string,
  fn: (trx: SystemTransaction) => Promise<T>,
  options: {
    /**
     * A transaction-level advisory lock taken in the preamble (the same round trip as
     * BEGIN), so the transaction's first statement already runs under it.
     */
    readonly advisoryLock?: string;
  } = {},
): Promise<T> {
  return await transactionWith(db, systemSetup(purpose, options), (trx) => fn(trx as SystemTransaction));
}

/** Validated here, so purpose and lock name are safe as literals. */
function systemSetup(purpose: string, options: { readonly advisoryLock?: string }): string {
  if (!PURPOSE.test(purpose)) throw new Error('withSystem: malformed purpose');
  if (options.advisoryLock !== undefined && !PURPOSE.test(options.advisoryLock))
    throw new Error('withSystem: malformed advisory lock name');
  const lock =
    options.advisoryLock === undefined
      ? ''
      : `; select pg_advisory_xact_lock(hashtextextended('paymux:${options.advisoryLock}', 0))`;
  return `select set_config('role', 'paymux_system', true), set_config('application_name', 'paymux:system:${purpose}', true)${lock}`;
}

/** A Kysely query (a builder or `sql` template) whose rows are `R`. */
export interface OneTripQuery<R> {
  compile(executorProvider: Kysely<Database>): CompiledQuery<R>;
}

/**
 * One statement as a whole tenant transaction, in one round trip instead of three: the
 * same `BEGIN`, preamble and `COMMIT` as `withTenant`, written together (pipeline mode,
 * `oneTripTransaction`). For a transaction that is exactly one statement (a data-modifying
 * CTE that decides everything itself); anything that reads before it writes needs
 * `withTenant`. On a Kysely instance not made by `appKysely` it runs through `withTenant`.
 *
 * The same tenant's one-trip statements issued in the same turn of the event loop share one
 * transaction (group commit, `OneTripBatcher`, ADR 0012); a failure of one of them is run
 * again alone, so each caller still sees its statement succeed or fail on its own.
 */
export async function inTenantOneTrip<R>(
  db: Kysely<Database>,
  tenantId: string,
  query: OneTripQuery<R>,
): Promise<R[]> {
  if (!TENANT_ID.test(tenantId)) throw new Error('inTenantOneTrip: malformed tenant id');
  return await oneTrip(db, tenantSetup(tenantId), query, { batch: true });
}

/** `inTenantOneTrip` for the reviewed cross-tenant path: `withSystem`'s transaction, one statement. */
export async function inSystemOneTrip<R>(
  db: Kysely<Database>,
  purpose: string,
  query: OneTripQuery<R>,
  options: { readonly advisoryLock?: string } = {},
): Promise<R[]> {
  // Not batched: a system transaction may hold an advisory lock for its statement alone.
  return await oneTrip(db, systemSetup(purpose, options), query, { batch: false });
}

const batchers = new WeakMap<pg.Pool, OneTripBatcher>();

async function oneTrip<R>(
  db: Kysely<Database>,
  setup: string,
  query: OneTripQuery<R>,
  options: { readonly batch: boolean },
): Promise<R[]> {
  const compiled = query.compile(db);
  const pool = poolOf(db);
  if (!pool) {
    return await transactionWith(db, setup, async (trx) => (await trx.executeQuery(compiled)).rows);
  }
  if (options.batch) {
    let batcher = batchers.get(pool);
    if (!batcher) {
      batcher = new OneTripBatcher(pool);
      batchers.set(pool, batcher);
    }
    return (await batcher.run(setup, compiled)).rows as R[];
  }
  return (await oneTripOnPool(pool, setup, compiled)).rows as R[];
}

/**
 * Narrows a running system transaction to one tenant for the rest of the transaction
 * (role `paymux_app`, tenant set), e.g. sign-up creating a tenant and then its
 * tenant-owned rows atomically. There is no way back to the system role afterwards.
 */
export async function switchToTenant(trx: SystemTransaction, tenantId: string): Promise<TenantTransaction> {
  if (!TENANT_ID.test(tenantId)) throw new Error('switchToTenant: malformed tenant id');
  await sql.raw(tenantSetup(tenantId)).execute(trx);
  return trx as TenantTransaction;
}

/** Validated by TENANT_ID before use, so the id is safe as a literal. */
function tenantSetup(tenantId: string): string {
  return `select set_config('role', 'paymux_app', true), set_config('app.tenant_id', '${tenantId}', true)`;
}
