import type pg from 'pg';

/**
 * Pools created by `appKysely`, by the Kysely instance that wraps them: the one-trip
 * transactions below need the pg client itself, which Kysely does not hand out.
 */
const pools = new WeakMap<object, pg.Pool>();

export function registerPool(db: object, pool: pg.Pool): void {
  pools.set(db, pool);
}

export function poolOf(db: object): pg.Pool | undefined {
  return pools.get(db);
}

/** A statement as Kysely compiles it. */
export interface OneTripStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * Runs `begin; <preamble>`, one statement and `commit` as one transaction in one round
 * trip: the client is in pg's pipeline mode (`appKysely`), so the three messages go out
 * together (one write, the stream corked around them) and PostgreSQL answers them in
 * order. If the statement fails, the transaction is aborted, PostgreSQL answers the
 * `commit` with ROLLBACK, and the statement's error is thrown: nothing was written, and
 * the connection is idle again. `preamble` is trusted SQL (`withTenant`'s and
 * `withSystem`'s, built from validated values).
 */
export async function oneTripTransaction(
  client: pg.PoolClient,
  preamble: string,
  statement: OneTripStatement,
): Promise<pg.QueryResult> {
  const pipelined = client as pg.PoolClient & {
    readonly pipeline?: boolean;
    readonly connection?: { readonly stream?: { cork?(): void; uncork?(): void } };
  };
  if (pipelined.pipeline !== true) throw new Error('oneTripTransaction: the client is not in pipeline mode');
  const stream = pipelined.connection?.stream;
  stream?.cork?.();
  let begin: Promise<unknown>;
  let main: Promise<pg.QueryResult>;
  let commit: Promise<pg.QueryResult>;
  try {
    begin = client.query(`begin; ${preamble}`);
    main = client.query(statement.sql, statement.parameters as unknown[]);
    commit = client.query('commit');
  } finally {
    stream?.uncork?.();
  }
  const [began, ran, committed] = await Promise.allSettled([begin, main, commit]);
  if (began.status === 'rejected') throw began.reason;
  if (ran.status === 'rejected') throw ran.reason;
  if (committed.status === 'rejected') throw committed.reason;
  // COMMIT of an aborted transaction answers ROLLBACK without an error.
  if (committed.value.command !== 'COMMIT') throw new Error(`oneTripTransaction: ${committed.value.command}`);
  return ran.value;
}

/**
 * `oneTripTransaction` on a connection of its own from `pool`. A statement PostgreSQL
 * refused leaves the connection idle and usable; anything else (a lost connection, a
 * protocol surprise) retires it.
 */
export async function oneTripOnPool(
  pool: pg.Pool,
  preamble: string,
  statement: OneTripStatement,
): Promise<pg.QueryResult> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await oneTripTransaction(client, preamble, statement);
  } catch (error) {
    if (!isServerError(error)) broken = asError(error);
    throw error;
  } finally {
    client.release(broken);
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** An error PostgreSQL answered (it has a SQLSTATE): the connection is idle and usable after it. */
export function isServerError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
  );
}
