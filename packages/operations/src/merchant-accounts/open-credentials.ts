import { PaymuxError } from '@paymux/core';
import type { MerchantAccountRow } from '@paymux/db';
import { type KeyProvider, openSecret } from '@paymux/vault';
import { credentialsContext } from './credentials-context.ts';
import type { AnyCredentials } from './validate-credentials.ts';

interface Entry {
  readonly version: number;
  readonly credentials: AnyCredentials;
  readonly expiresAt: number;
}

/**
 * Decrypted credentials, kept briefly in memory so a burst of payments decrypts once.
 * Entries are keyed by account and `updated_at`: an update anywhere (another process
 * included) changes the version and so misses the cache. Bounded in size and age.
 */
export class CredentialCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 1_000;
  }

  async open(vault: KeyProvider, row: MerchantAccountRow): Promise<AnyCredentials> {
    const key = `${row.tenant_id}:${row.id}`;
    const version = row.updated_at.getTime();
    const hit = this.#entries.get(key);
    if (hit && hit.version === version && hit.expiresAt > Date.now()) return hit.credentials;
    const credentials = await openCredentials(vault, row);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.delete(key);
    this.#entries.set(key, { version, credentials, expiresAt: Date.now() + this.#ttlMs });
    return credentials;
  }

  /** Drops an account's entry (called on update, deletion, or credential failure). */
  drop(tenantId: string, accountId: string): void {
    this.#entries.delete(`${tenantId}:${accountId}`);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** Decrypts an account's credentials; a vault failure is `credentials_unavailable`, never the raw error. */
export async function openCredentials(vault: KeyProvider, row: MerchantAccountRow): Promise<AnyCredentials> {
  try {
    const plaintext = await openSecret(vault, row.credentials, credentialsContext(row.tenant_id, row.id));
    return JSON.parse(plaintext.toString('utf8')) as AnyCredentials;
  } catch {
    throw new PaymuxError('credentials_unavailable', `The credentials of ${row.id} cannot be decrypted.`);
  }
}
