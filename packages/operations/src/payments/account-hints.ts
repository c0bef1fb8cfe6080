import type { Provider } from '@paymux/core';
import type { MerchantAccountRow } from '@paymux/db';

/** A merchant account as a payment last resolved it, with its row version (`xmin`). */
export interface AccountHint {
  readonly account: MerchantAccountRow;
  readonly version: string;
}

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface Entry extends AccountHint {
  readonly expiresAt: number;
}

/**
 * Which merchant account a tenant's payments last went to, per database: a hint, not a
 * cache to trust. A payment created from a hint re-checks the account in its own statement
 * (same row version, so still active, not deleted, still the default, same credentials)
 * and writes nothing if it changed; the payment then resolves the account afresh. So a
 * stale hint costs one round trip, never a payment routed to the wrong account.
 */
export class AccountHints {
  readonly #entries = new Map<string, Entry>();

  get(key: string): AccountHint | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return hit;
  }

  set(key: string, hint: AccountHint): void {
    this.#entries.delete(key);
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { ...hint, expiresAt: Date.now() + TTL_MS });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  static key(
    scope: { readonly tenantId: string; readonly mode: 'test' | 'live' },
    provider: Provider,
    named: string | undefined,
  ): string {
    return `${scope.tenantId}|${scope.mode}|${provider}|${named ?? ''}`;
  }
}

const byDatabase = new WeakMap<object, AccountHints>();

/** The hints kept for one database handle (a Kysely instance). */
export function accountHintsFor(db: object): AccountHints {
  let hints = byDatabase.get(db);
  if (!hints) {
    hints = new AccountHints();
    byDatabase.set(db, hints);
  }
  return hints;
}
