import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DELIVERY_SCHEDULE_MS,
  MAX_ATTEMPTS,
  MAX_RETRY_AFTER_MS,
  nextAttemptDelayMs,
  parseRetryAfter,
} from '../src/index.ts';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const noJitter = () => 0.5;

describe('delivery schedule', () => {
  it('is 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts', () => {
    expect(DELIVERY_SCHEDULE_MS).toEqual([0, 5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 10 * H]);
    expect(MAX_ATTEMPTS).toBe(8);
    expect(MAX_RETRY_AFTER_MS).toBe(10 * H);
  });

  it('without jitter, waits exactly the scheduled delay before attempts 2..8', () => {
    const delays = Array.from({ length: 7 }, (_, i) =>
      nextAttemptDelayMs({ attemptsMade: i + 1, random: noJitter }),
    );
    expect(delays).toEqual(DELIVERY_SCHEDULE_MS.slice(1));
  });

  it('gives up after the eighth attempt', () => {
    expect(nextAttemptDelayMs({ attemptsMade: 8, random: noJitter })).toBeNull();
    expect(nextAttemptDelayMs({ attemptsMade: 9, random: noJitter })).toBeNull();
    expect(nextAttemptDelayMs({ attemptsMade: 8, retryAfterMs: 1000 })).toBeNull();
  });

  it('refuses an attempt count below one or not an integer', () => {
    for (const attemptsMade of [0, -1, 1.5, Number.NaN]) {
      expect(() => nextAttemptDelayMs({ attemptsMade })).toThrow(RangeError);
    }
  });

  it('keeps jitter within ±20 % at the extremes of random()', () => {
    for (let attemptsMade = 1; attemptsMade < MAX_ATTEMPTS; attemptsMade += 1) {
      const scheduled = DELIVERY_SCHEDULE_MS[attemptsMade] as number;
      expect(nextAttemptDelayMs({ attemptsMade, random: () => 0 })).toBe(scheduled * 0.8);
      const high = nextAttemptDelayMs({ attemptsMade, random: () => 0.999_999_999 }) as number;
      expect(high).toBeLessThanOrEqual(scheduled * 1.2);
      expect(high).toBeGreaterThan(scheduled * 1.19);
    }
  });

  it('keeps every jittered delay within ±20 % (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_ATTEMPTS - 1 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attemptsMade, r) => {
          const scheduled = DELIVERY_SCHEDULE_MS[attemptsMade] as number;
          const delay = nextAttemptDelayMs({ attemptsMade, random: () => r }) as number;
          return Number.isInteger(delay) && delay >= scheduled * 0.8 && delay <= scheduled * 1.2;
        },
      ),
    );
  });

  it('treats Retry-After as a floor, capped at 10 h (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_ATTEMPTS - 1 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 100 * H }),
        (attemptsMade, r, retryAfterMs) => {
          const jittered = nextAttemptDelayMs({ attemptsMade, random: () => r }) as number;
          const delay = nextAttemptDelayMs({ attemptsMade, retryAfterMs, random: () => r });
          return delay === Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
        },
      ),
    );
  });

  it('lets a Retry-After push a short delay out, but never past 10 h', () => {
    expect(nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: 120 * S, random: noJitter })).toBe(120 * S);
    expect(nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: 1 * S, random: noJitter })).toBe(5 * S);
    expect(nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: 30 * 24 * H, random: noJitter })).toBe(10 * H);
    expect(
      nextAttemptDelayMs({ attemptsMade: 6, retryAfterMs: 30 * 24 * H, random: () => 0.999 }),
    ).toBeGreaterThan(10 * H);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-26T08:00:00Z');

  it('reads delta seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('keeps an absurd delta finite, and the schedule caps it at 10 h', () => {
    const huge = parseRetryAfter('9'.repeat(400), now);
    expect(Number.isSafeInteger(huge)).toBe(true);
    expect(nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: huge, random: noJitter })).toBe(
      MAX_RETRY_AFTER_MS,
    );
    expect(
      nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: Number.POSITIVE_INFINITY, random: noJitter }),
    ).toBe(MAX_RETRY_AFTER_MS);
  });

  it('reads an HTTP-date in all three forms as ms from now', () => {
    expect(parseRetryAfter('Thu, 26 Nov 2026 08:05:00 GMT', now)).toBe(5 * MIN);
    expect(parseRetryAfter('Thursday, 26-Nov-26 09:00:00 GMT', now)).toBe(H);
    expect(parseRetryAfter('Thu Nov 26 08:00:30 2026', now)).toBe(30 * S);
    expect(parseRetryAfter(new Date(now.getTime() + 90 * S).toUTCString(), now)).toBe(90 * S);
  });

  it('ignores absent, garbage, negative and past values', () => {
    for (const value of [
      undefined,
      '',
      'soon',
      '-5',
      '1.5',
      '12abc',
      'x 2027', // Date.parse would accept this
      'Thu, 31 Feb 2026 08:05:00 GMT',
      'Thu, 26 Nov 2026 25:05:00 GMT',
      'Wed, 25 Nov 2026 08:00:00 GMT', // in the past
    ]) {
      expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
    }
  });
});
