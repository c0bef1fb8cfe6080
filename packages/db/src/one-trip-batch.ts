import type pg from 'pg';
import {
  asError,
  isServerError,
  type OneTripStatement,
  oneTripOnPool,
  oneTripTransaction,
} from './one-trip.ts';

/** At most this many statements share one transaction. */
export const MAX_STATEMENTS_PER_BATCH = 32;

interface Waiting {
  readonly statement: OneTripStatement;
  resolve(result: pg.QueryResult): void;
  reject(error: unknown): void;
}

/**
 * How a batch ended: committed (each statement with its own result); rolled back by
 * PostgreSQL (nothing written); or not known (the connection was lost).
 */
type BatchOutcome =
  | { readonly kind: 'committed'; readonly results: PromiseSettledResult<pg.QueryResult>[] }
  | { readonly kind: 'rolled_back' }
  | { readonly kind: 'unknown'; readonly error: unknown };

/**
 * Group commit for one-trip transactions (ADR 0012): the statements given to `run` with the
 * same preamble (one tenant's `withTenant` setup) during one turn of the event loop go out
 * as ONE transaction, `begin; <preamble>`, the statements, `commit`, in one write and one
 * round trip, on one pooled connection. Under load, when many requests reach their write at
 * once, this costs PostgreSQL one transaction, one commit and one wake-up where it cost one
 * per request; alone, a statement runs as before, one turn later.
 *
 * Each statement stays a whole unit to its caller: it decides everything itself (a
 * data-modifying CTE with its own guards), and each gets its own rows. If any of them fails,
 * PostgreSQL rolls the whole transaction back, nothing of the batch is written, and each
 * statement is then run again alone, in its own transaction, so only the failing one fails.
 * If the outcome is not known (the connection was lost: the commit may have happened),
 * nothing is run again and every caller gets the error, as a single statement's would.
 *
 * Statements of one batch run in order in one transaction, so a later one sees an earlier
 * one's writes, as it would had it run after it committed. Batches never mix preambles, so
 * one transaction is always one tenant's.
 */
export class OneTripBatcher {
  readonly #pool: pg.Pool;
  readonly #open = new Map<string, Waiting[]>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  run(preamble: string, statement: OneTripStatement): Promise<pg.QueryResult> {
    let batch = this.#open.get(preamble);
    if (batch === undefined || batch.length >= MAX_STATEMENTS_PER_BATCH) {
      const opened: Waiting[] = [];
      this.#open.set(preamble, opened);
      // After the I/O callbacks of this turn, which are what bring the other requests here.
      setImmediate(() => {
        if (this.#open.get(preamble) === opened) this.#open.delete(preamble);
        void this.#flush(preamble, opened);
      });
      batch = opened;
    }
    const joined = batch;
    return new Promise((resolve, reject) => {
      joined.push({ statement, resolve, reject });
    });
  }

  async #flush(preamble: string, batch: readonly Waiting[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only) {
      await oneTripOnPool(this.#pool, preamble, only.statement).then(only.resolve, only.reject);
      return;
    }
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    let broken: Error | undefined;
    try {
      const outcome = await runBatch(
        client,
        preamble,
        batch.map((w) => w.statement),
      );
      if (outcome.kind === 'committed') {
        batch.forEach((waiting, i) => {
          const result = outcome.results[i] as PromiseSettledResult<pg.QueryResult>;
          if (result.status === 'fulfilled') waiting.resolve(result.value);
          else waiting.reject(result.reason);
        });
        return;
      }
      if (outcome.kind === 'unknown') {
        broken = asError(outcome.error);
        for (const waiting of batch) waiting.reject(outcome.error);
        return;
      }
      // Rolled back: again one by one, each in its own transaction.
      for (const waiting of batch) {
        if (broken) {
          waiting.reject(broken);
          continue;
        }
        try {
          waiting.resolve(await oneTripTransaction(client, preamble, waiting.statement));
        } catch (error) {
          // A statement PostgreSQL refused leaves the connection idle and usable; anything
          // else (a lost connection) retires it, and the rest were never sent.
          if (!isServerError(error)) broken = asError(error);
          waiting.reject(error);
        }
      }
    } finally {
      client.release(broken);
    }
  }
}

/** `begin; <preamble>`, the statements and `commit`, written together (pipeline mode, corked). */
async function runBatch(
  client: pg.PoolClient,
  preamble: string,
  statements: readonly OneTripStatement[],
): Promise<BatchOutcome> {
  const stream = (client as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection
    ?.stream;
  stream?.cork?.();
  let sent: Promise<pg.QueryResult>[];
  try {
    sent = [
      client.query(`begin; ${preamble}`),
      ...statements.map((s) => client.query(s.sql, s.parameters as unknown[])),
      client.query('commit'),
    ];
  } finally {
    stream?.uncork?.();
  }
  const settled = await Promise.allSettled(sent);
  const commit = settled[settled.length - 1] as PromiseSettledResult<pg.QueryResult>;
  // The answer to COMMIT says what happened. A statement PostgreSQL refused aborts the
  // transaction, and COMMIT then answers ROLLBACK; a refused COMMIT rolls back too. Without
  // an answer (the connection was lost) the commit may or may not have happened.
  if (commit.status === 'rejected') {
    return isServerError(commit.reason) ? { kind: 'rolled_back' } : { kind: 'unknown', error: commit.reason };
  }
  if (commit.value.command !== 'COMMIT') return { kind: 'rolled_back' };
  // Committed: every statement PostgreSQL ran succeeded. One pg refused to send (a value it
  // cannot serialise) was never run, and fails alone.
  return { kind: 'committed', results: settled.slice(1, -1) as PromiseSettledResult<pg.QueryResult>[] };
}
