import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompiledQuery,
  type DatabaseConnection,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  type TransactionSettings,
} from 'kysely';

/**
 * Statements to run with the next `begin` on this async path, e.g. the `set_config`
 * calls that give a transaction its role and tenant. `withTenant`/`withSystem` set it
 * around `db.transaction().execute(...)`; the driver below sends it in the same
 * simple-protocol message as `begin`, saving a round trip on every transaction.
 *
 * Only literal SQL built from validated values goes here: the simple protocol takes no
 * parameters.
 */
export const transactionPreamble = new AsyncLocalStorage<TransactionPreamble>();

export interface TransactionPreamble {
  readonly sql: string;
  /** Set by the driver once the preamble went out with `begin`. */
  sent: boolean;
}

/** Whether `pool` is a pg pool in pipeline mode (as `appKysely` makes it). */
function isPipelined(pool: unknown): boolean {
  return (
    typeof pool === 'object' &&
    pool !== null &&
    (pool as { options?: { pipeline?: unknown } }).options?.pipeline === true
  );
}

class PreambleDriver extends PostgresDriver {
  readonly #lazyBegin: boolean;
  /** What a BEGIN not waited for answered, per connection, until its transaction ends. */
  readonly #begins = new WeakMap<DatabaseConnection, Promise<{ readonly error: unknown } | undefined>>();

  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#lazyBegin = isPipelined(config.pool);
  }

  override async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const preamble = transactionPreamble.getStore();
    if (preamble === undefined || settings.isolationLevel || settings.accessMode) {
      await super.beginTransaction(connection, settings);
      return;
    }
    // `begin; select …` in one message: PostgreSQL runs both, in order, in the new transaction.
    const begin = CompiledQuery.raw(`begin; ${preamble.sql}`);
    if (this.#lazyBegin) {
      // Pipeline mode: the transaction's first statement is written right behind BEGIN,
      // without waiting for its answer, which saves a round trip per transaction.
      // PostgreSQL runs them in order, so the statement runs inside the transaction, after
      // the preamble; if the preamble failed, the transaction is aborted and the statement
      // fails. The answer is checked before COMMIT. (Holding the socket until the first
      // statement, to send both in one write, measured slower: test/bench/README.md.)
      this.#begins.set(
        connection,
        connection.executeQuery(begin).then(
          () => undefined,
          (error: unknown) => ({ error }),
        ),
      );
      preamble.sent = true;
      return;
    }
    try {
      await connection.executeQuery(begin);
    } catch (error) {
      // BEGIN may have succeeded before the preamble failed, but Kysely only rolls back a
      // transaction whose begin returned: end it here, or the pooled connection goes back
      // inside an aborted transaction.
      await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => {});
      throw error;
    }
    preamble.sent = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const failed = await this.#beginOutcome(connection);
    // Kysely rolls the transaction back when commit throws.
    if (failed) throw failed.error;
    await super.commitTransaction(connection);
  }

  override async rollbackTransaction(
    connection: Parameters<PostgresDriver['rollbackTransaction']>[0],
  ): Promise<void> {
    await this.#beginOutcome(connection);
    await super.rollbackTransaction(connection);
  }

  async #beginOutcome(connection: DatabaseConnection): Promise<{ readonly error: unknown } | undefined> {
    const outcome = this.#begins.get(connection);
    this.#begins.delete(connection);
    return await outcome;
  }
}

/** PostgresDialect whose transactions can open with a preamble (see `transactionPreamble`). */
export class PaymuxPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;

  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): PostgresDriver {
    return new PreambleDriver(this.#config);
  }
}
