import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from './embedded-postgres.ts';
import { migrateToLatest } from './migrate.ts';
import { registerPool } from './one-trip.ts';
import type { Database } from './schema.ts';
import { StatementCachingClient } from './statement-cache.ts';
import { PaymuxPostgresDialect } from './transaction-preamble.ts';

export interface ConnectOptions {
  /** A PostgreSQL connection string; when absent, embedded PostgreSQL in `dataDir` is used. */
  readonly databaseUrl?: string | undefined;
  /** Paymux data directory (embedded cluster, generated dev secrets). */
  readonly dataDir: string;
  /** Run pending migrations before returning (default true). */
  readonly migrate?: boolean;
  readonly poolSize?: number;
  readonly log?: (line: string) => void;
}

export interface DatabaseHandle {
  /**
   * The application pool. Every connection runs as the `paymux_app` role, so a query
   * outside `withTenant` (no tenant set) sees zero rows of tenant data.
   */
  readonly db: Kysely<Database>;
  /** The connection string in use (the embedded cluster's, or DATABASE_URL). */
  readonly url: string;
  readonly embedded: EmbeddedPostgresHandle | undefined;
  /** Closes the pool, then stops embedded PostgreSQL if this process started it. */
  close(): Promise<void>;
}

const INT8_OID = 20;

/** pg returns int8 as strings by default; Paymux keeps money as bigint end to end. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => BigInt(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A server that accepts TCP but never answers must fail a request, not hang it. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Server-side limits for app connections: no statement runs longer than 30 s, and a
 * transaction left idle (a bug holding it open) is ended after 60 s rather than pinning
 * row locks and the vacuum horizon.
 */
const APP_SESSION_OPTIONS = [
  '-c role=paymux_app',
  '-c statement_timeout=30000',
  '-c idle_in_transaction_session_timeout=60000',
].join(' ');

/** A pool connected as the configured user (the schema owner); for migrations and admin work. */
export function ownerKysely(url: string, max = 2): Kysely<any> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  pool.on('error', ignoreIdleClientError);
  handleCheckedOutClientErrors(pool);
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * An idle pooled connection the server ends (restart, failover, pg_terminate_backend)
 * emits 'error' on the pool; unhandled, that would crash the process. pg has already
 * dropped the client; the next query opens a fresh one.
 */
function ignoreIdleClientError(): void {}

/**
 * pg-pool listens for a client's 'error' only while the client is idle. A connection lost
 * while checked out (a restart or failover in the middle of a transaction) makes pg emit
 * 'error' on the client too, and with no listener that event would crash the process. The
 * queries in flight on it are rejected with the same error, which is how their callers
 * learn of it, and the pool retires the client when it is released.
 */
function handleCheckedOutClientErrors(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    client.on('error', ignoreIdleClientError);
  });
}

/**
 * The app pool: every connection starts as the non-owner `paymux_app` role, set in the
 * startup packet so a connection that cannot take the role fails instead of quietly
 * running as the owner. Parameterised statements are prepared once per connection
 * (`StatementCachingClient`).
 */
export function appKysely(url: string, max = 10): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    options: APP_SESSION_OPTIONS,
    Client: StatementCachingClient,
    // Queries are written without waiting for the previous answer. Kysely still awaits each
    // one, so this changes nothing for it; `oneTripTransaction` uses it to send BEGIN, a
    // statement and COMMIT in one round trip.
    pipeline: true,
  });
  pool.on('error', ignoreIdleClientError);
  handleCheckedOutClientErrors(pool);
  const db = new Kysely<Database>({ dialect: new PaymuxPostgresDialect({ pool }) });
  registerPool(db, pool);
  return db;
}

/**
 * Connects to PostgreSQL: `databaseUrl` when given, otherwise embedded PostgreSQL in
 * `dataDir` (started, or found already running). Migrates unless told not to.
 *
 * @example
 * const handle = await connect({ databaseUrl: process.env.DATABASE_URL, dataDir: '.paymux' });
 * await withTenant(handle.db, tenantId, (trx) => trx.selectFrom('api_keys').selectAll().execute());
 * await handle.close();
 */
export async function connect(options: ConnectOptions): Promise<DatabaseHandle> {
  const embedded = options.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: options.dataDir, ...(options.log ? { log: options.log } : {}) });
  const url = options.databaseUrl ?? (embedded as EmbeddedPostgresHandle).url;
  try {
    // Fail here, with the connection error, rather than on the first query.
    const probe = ownerKysely(url, 1);
    try {
      await sql`select 1`.execute(probe);
    } finally {
      await probe.destroy();
    }
    if (options.migrate ?? true) {
      const owner = ownerKysely(url, 1);
      try {
        await migrateToLatest(owner);
      } finally {
        await owner.destroy();
      }
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const db = appKysely(url, options.poolSize ?? 10);
  let closed = false;
  return {
    db,
    url,
    embedded,
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
      await embedded?.stop();
    },
  };
}
