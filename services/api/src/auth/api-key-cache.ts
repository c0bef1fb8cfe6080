import { InvalidatedCache } from '@paymux/db';
import { API_KEY_REVOKED_CHANNEL, type ApiKeyForAuth } from '@paymux/operations';
import type { Logger } from 'pino';

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
 * notification can never keep a revoked key alive (`InvalidatedCache`).
 */
export class ApiKeyCache {
  readonly #cache: InvalidatedCache<ApiKeyForAuth>;

  constructor(options: ApiKeyCacheOptions) {
    this.#cache = new InvalidatedCache({
      databaseUrl: options.databaseUrl,
      channel: API_KEY_REVOKED_CHANNEL,
      ttlMs: options.ttlMs ?? 10_000,
      maxEntries: options.maxEntries ?? 10_000,
      onConnectionLost: (err) =>
        options.logger.warn({ err }, 'api key cache: LISTEN connection lost; cache bypassed'),
    });
  }

  /** Opens the LISTEN connection; resolves once listening (or after the first failure). */
  start(): Promise<void> {
    return this.#cache.start();
  }

  get listening(): boolean {
    return this.#cache.listening;
  }

  /** Take this before reading a key from the database; pass it back to `set`. */
  get generation(): number {
    return this.#cache.generation;
  }

  get(kid: string): ApiKeyForAuth | undefined {
    return this.#cache.get(kid);
  }

  /** Caches `key` unless an eviction happened since `generation` was taken. */
  set(key: ApiKeyForAuth, generation: number): void {
    this.#cache.set(key.id, key, generation);
  }

  evict(kid: string): void {
    this.#cache.evict(kid);
  }

  close(): Promise<void> {
    return this.#cache.close();
  }
}
