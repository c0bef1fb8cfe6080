import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  MAX_RETRY_AFTER_MS,
  MAX_RETRY_DELAY_MS,
  parseRetryAfter,
  retryDelay,
} from '../src/http/backoff.ts';
import { isRetryableStatus } from '../src/http/http-client.ts';

describe('backoff', () => {
  it('doubles each retry between half and all of the step, capped', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, () => 1)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Thu, 26 Nov 2026 12:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('waits as asked up to the cap, and not at all beyond it', () => {
    expect(retryDelay(0, '3')).toBe(3000);
    expect(retryDelay(0, String(MAX_RETRY_AFTER_MS / 1000))).toBe(MAX_RETRY_AFTER_MS);
    expect(retryDelay(0, String(MAX_RETRY_AFTER_MS / 1000 + 1))).toBeUndefined();
    expect(retryDelay(1, null)).toBeGreaterThanOrEqual(500);
  });

  it('retries 429, 5xx and 409 idempotency_key_in_use only', () => {
    expect(isRetryableStatus(429, 'rate_limited')).toBe(true);
    expect(isRetryableStatus(500, 'internal_error')).toBe(true);
    expect(isRetryableStatus(503, 'http_503')).toBe(true);
    expect(isRetryableStatus(409, 'idempotency_key_in_use')).toBe(true);
    expect(isRetryableStatus(409, 'conflict')).toBe(false);
    expect(isRetryableStatus(400, 'validation_failed')).toBe(false);
    expect(isRetryableStatus(401, 'invalid_token')).toBe(false);
    expect(isRetryableStatus(422, 'idempotency_key_reused')).toBe(false);
  });
});
