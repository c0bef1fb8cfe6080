import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * Distinct statements one connection keeps prepared. The app's statements are a fixed
 * set (a few hundred texts); anything past the cap (e.g. IN lists of every length) runs
 * unnamed as before, so server memory per connection stays bounded.
 */
const MAX_PREPARED_PER_CONNECTION = 400;

/** Statement text → name, shared by all connections; bounded like the per-connection set. */
const MAX_NAMED_TEXTS = 2_000;
const names = new Map<string, string>();

function nameFor(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= MAX_NAMED_TEXTS) return known;
  const name = `pmx_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

/** PostgreSQL refuses to run a prepared statement whose table changed shape underneath it. */
function isStalePlan(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '0A000' &&
    String((error as { message?: unknown }).message).startsWith('cached plan must not change result type')
  );
}

/**
 * A pg client that runs each parameterised statement as a named prepared statement on its
 * connection: parsed and planned once per connection instead of on every execution. (With
 * row-level security and the app's CTEs, planning cost about as much server CPU as running
 * the statements: test/bench/README.md, notify-ingest.) The protocol is otherwise the same
 * extended query pg always sends for parameterised statements, one round trip.
 *
 * A migration that changes a table's columns makes PostgreSQL refuse the old prepared
 * `select *` once ("cached plan must not change result type"); the statement fails that
 * once (inside a transaction nothing can be retried), and this connection then prepares
 * fresh copies under new names.
 */
export class StatementCachingClient extends pg.Client {
  readonly #prepared = new Set<string>();
  #generation = 0;

  override query(...args: any[]): any {
    const [config, values, callback] = args as [unknown, unknown, unknown];
    if (
      typeof config !== 'string' ||
      !Array.isArray(values) ||
      values.length === 0 ||
      callback !== undefined
    ) {
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const base = nameFor(config);
    if (base === undefined) return super.query(config, values);
    const name = this.#generation === 0 ? base : `${base}_${this.#generation}`;
    if (!this.#prepared.has(name)) {
      if (this.#prepared.size >= MAX_PREPARED_PER_CONNECTION) return super.query(config, values);
      this.#prepared.add(name);
    }
    return super.query({ name, text: config, values }).catch((error: unknown) => {
      if (isStalePlan(error)) {
        this.#generation += 1;
        this.#prepared.clear();
      }
      throw error;
    });
  }
}
