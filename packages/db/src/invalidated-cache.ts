import pg from 'pg';

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

export interface InvalidatedCacheOptions {
  /** Connection string for the LISTEN connection. */
  readonly databaseUrl: string;
  /** The NOTIFY channel whose payload is the key to evict. */
  readonly channel: string;
  /** Upper bound on how long an entry lives even if a notification were missed. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Told when the LISTEN connection is lost (the cache is bypassed until it is back). */
  readonly onConnectionLost?: (reason: unknown) => void;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * A small in-process cache of rows that other processes may change: every change commits
 * a NOTIFY on `channel` with the changed key as payload, and every process LISTENs and
 * evicts it at once. While the LISTEN connection is down the cache is bypassed (and
 * emptied), so a missed notification can never keep a stale entry alive; entries also
 * expire after `ttlMs`.
 *
 * Reads from the database race with evictions: take `generation` before reading and pass
 * it to `set`, which refuses to cache a value read before an eviction it may predate.
 */
export class InvalidatedCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #options: InvalidatedCacheOptions;
  #client: pg.Client | undefined;
  #listening = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #generation = 0;

  constructor(options: InvalidatedCacheOptions) {
    if (!CHANNEL.test(options.channel)) throw new Error('InvalidatedCache: malformed channel name');
    this.#options = options;
  }

  /** Opens the LISTEN connection; resolves once listening (or after the first failure). */
  async start(): Promise<void> {
    await this.#connect();
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Take this before reading a value from the database; pass it back to `set`. */
  get generation(): number {
    return this.#generation;
  }

  get(key: string): V | undefined {
    if (!this.#listening) return undefined;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Caches `value` unless an eviction happened since `generation` was taken. */
  set(key: string, value: V, generation: number): void {
    if (!this.#listening || generation !== this.#generation) return;
    if (this.#entries.size >= this.#options.maxEntries) {
      // Map iteration is insertion order: drop the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: Date.now() + this.#options.ttlMs });
  }

  evict(key: string): void {
    this.#generation += 1;
    this.#entries.delete(key);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    clearTimeout(this.#retry);
    this.#entries.clear();
    await this.#client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.databaseUrl });
    const lost = (reason: unknown) => {
      if (this.#client !== client) return;
      this.#listening = false;
      this.#generation += 1;
      this.#entries.clear();
      this.#client = undefined;
      client.end().catch(() => {});
      if (this.#closed) return;
      this.#options.onConnectionLost?.(reason);
      this.#retry = setTimeout(() => void this.#connect(), 1_000);
      this.#retry.unref();
    };
    this.#client = client;
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === this.#options.channel && message.payload) this.evict(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${this.#options.channel}`);
      if (this.#client === client && !this.#closed) this.#listening = true;
    } catch (error) {
      lost(error);
    }
  }
}
