import type { ClaimedDelivery } from '@paymux/operations';

const DEFAULT_TTL_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 1_000;

/**
 * Opened signing secrets per endpoint, kept briefly so a busy endpoint does not cost a
 * vault unwrap (a KMS call, with a KMS key provider) per delivery. Keyed by the envelopes
 * themselves (their ciphertexts are unique per sealing) and by whether the rotated-out
 * secret still signs, so a rotation, or the end of its 24 hours, is a miss at once. At most
 * a minute old and a thousand entries, like the merchant credential cache.
 */
export class SigningSecretCache {
  readonly #entries = new Map<string, { readonly secrets: Promise<string[]>; readonly until: number }>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  async get(delivery: ClaimedDelivery, now: Date, open: () => Promise<string[]>): Promise<string[]> {
    const previousLive =
      delivery.previous_secret !== null &&
      delivery.previous_secret_expires_at !== null &&
      delivery.previous_secret_expires_at.getTime() > now.getTime();
    const key = [
      delivery.tenant_id,
      delivery.endpoint_id,
      ciphertextOf(delivery.secret),
      previousLive ? ciphertextOf(delivery.previous_secret) : '',
    ].join('|');
    const hit = this.#entries.get(key);
    if (hit && hit.until > now.getTime()) return await hit.secrets;
    this.#entries.delete(key);
    let until = now.getTime() + this.#ttlMs;
    if (previousLive && delivery.previous_secret_expires_at)
      until = Math.min(until, delivery.previous_secret_expires_at.getTime());
    const secrets = open();
    // A failed open is not remembered.
    secrets.catch(() => this.#entries.delete(key));
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { secrets, until });
    return await secrets;
  }

  clear(): void {
    this.#entries.clear();
  }
}

function ciphertextOf(envelope: unknown): string {
  const ct = (envelope as { ct?: unknown } | null)?.ct;
  return typeof ct === 'string' ? ct : JSON.stringify(envelope);
}
