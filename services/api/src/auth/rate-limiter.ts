import { PaymuxError } from '@paymux/core';

export interface RateLimit {
  /** Sustained requests per second per API key; 0 disables limiting. */
  readonly perSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet spell. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per API key, in this process's memory: cheap (no database round trip),
 * and with N API processes a key's effective limit is N × the configured one, which is
 * what a per-instance limit behind a load balancer means (see docs/api.md).
 */
export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(limit: RateLimit, now: () => number = () => performance.now()) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Takes one token for `key`, or throws 429 `rate_limited` with Retry-After (whole seconds). */
  take(key: string): void {
    const { perSecond, burst } = this.#limit;
    if (perSecond <= 0) return;
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size > 100_000) this.#buckets.clear();
      bucket = { tokens: burst, updatedAt: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    throw new PaymuxError(
      'rate_limited',
      `Too many requests for this API key; retry after ${retryAfter} s.`,
      {
        headers: { 'Retry-After': String(retryAfter) },
      },
    );
  }
}
