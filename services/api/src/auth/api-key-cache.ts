import { API_KEY_REVOKED_CHANNEL, type ApiKeyForAuth } from '@paymux/operations';
import pg from 'pg';
import type { Logger } from 'pino';

interface Entry {
  readonly key: ApiKeyForAuth;
  readonly expiresAt: number;
}

export interface ApiKeyCacheOptions {
  /** Connection string for the LISTEN connection. */
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** Upper bound on how long an entry lives even if a notification were missed. */
  readonly ttlMs?: number;
  readonly maxEntries?: number;
}

/**
 * A short-lived cache of verification keys by kid. Revocation commits with a NOTIFY on
 * `paymux_api_key_revoked`; every process LISTENs and evicts the key at once. While the
 * LISTEN connection is down the cache is bypassed (and emptied), so a missed
 * notification can never keep a revoked key alive.
 */
export class ApiKeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #options: ApiKeyCacheOptions;
  #client: pg.Client | undefined;
  #listening = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  // Bumped by every eviction and connection loss. A key read from the database before a
  // bump must not be cached after it: its NOTIFY may already have been processed.
  #generation = 0;

  constructor(options: ApiKeyCacheOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** Opens the LISTEN connection; resolves once listening (or after the first failure). */
  async start(): Promise<void> {
    await this.#connect();
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Take this before reading a key from the database; pass it back to `set`. */
  get generation(): number {
    return this.#generation;
  }

  get(kid: string): ApiKeyForAuth | undefined {
    if (!this.#listening) return undefined;
    const entry = this.#entries.get(kid);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(kid);
      return undefined;
    }
    return entry.key;
  }

  /** Caches `key` unless an eviction happened since `generation` was taken. */
  set(key: ApiKeyForAuth, generation: number): void {
    if (!this.#listening || generation !== this.#generation) return;
    if (this.#entries.size >= this.#maxEntries) {
      // Map iteration is insertion order: drop the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key.id, { key, expiresAt: Date.now() + this.#ttlMs });
  }

  evict(kid: string): void {
    this.#generation += 1;
    this.#entries.delete(kid);
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
      this.#options.logger.warn({ err: reason }, 'api key cache: LISTEN connection lost; cache bypassed');
      this.#retry = setTimeout(() => void this.#connect(), 1_000);
      this.#retry.unref();
    };
    this.#client = client;
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === API_KEY_REVOKED_CHANNEL && message.payload) this.evict(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${API_KEY_REVOKED_CHANNEL}`);
      if (this.#client === client && !this.#closed) this.#listening = true;
    } catch (error) {
      lost(error);
    }
  }
}
