import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompiledQuery,
  type DatabaseConnection,
  PostgresDialect,
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

class PreambleDriver extends PostgresDriver {
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
    try {
      await connection.executeQuery(CompiledQuery.raw(`begin; ${preamble.sql}`));
    } catch (error) {
      // BEGIN may have succeeded before the preamble failed, but Kysely only rolls back a
      // transaction whose begin returned: end it here, or the pooled connection goes back
      // inside an aborted transaction.
      await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => {});
      throw error;
    }
    preamble.sent = true;
  }
}

/** PostgresDialect whose transactions can open with a preamble (see `transactionPreamble`). */
export class PaymuxPostgresDialect extends PostgresDialect {
  readonly #config: ConstructorParameters<typeof PostgresDialect>[0];

  constructor(config: ConstructorParameters<typeof PostgresDialect>[0]) {
    super(config);
    this.#config = config;
  }

  override createDriver(): PostgresDriver {
    return new PreambleDriver(this.#config);
  }
}
