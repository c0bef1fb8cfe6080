import { isPaymuxError } from '@paymux/core';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/auth/rate-limiter.ts';
import { makeKey, makeTenant, mintToken, type TestKey, testApp } from './support/fixtures.ts';

describe('RateLimiter', () => {
  it('allows the burst, then refills at the sustained rate, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    for (let i = 0; i < 3; i += 1) limiter.take('key_a');
    let refused: unknown;
    try {
      limiter.take('key_a');
    } catch (error) {
      refused = error;
    }
    expect(isPaymuxError(refused) && refused.code).toBe('rate_limited');
    expect(isPaymuxError(refused) && refused.headers?.['Retry-After']).toBe('1');
    limiter.take('key_b'); // another key has its own bucket
    now += 500; // half a second refills one token at 2/s
    limiter.take('key_a');
    expect(() => limiter.take('key_a')).toThrow();
  });

  it('does nothing when disabled (0 per second)', () => {
    const limiter = new RateLimiter({ perSecond: 0, burst: 1 });
    for (let i = 0; i < 1000; i += 1) limiter.take('key_a');
  });
});

describe('per-key rate limit on /v1', () => {
  let tdb: TestDatabase;
  let key: TestKey;
  let other: TestKey;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    const tenant = await makeTenant(tdb);
    key = await makeKey(tdb, tenant.id);
    other = await makeKey(tdb, tenant.id);
  });
  afterAll(() => tdb.close());

  it('answers 429 problem+json with Retry-After past the limit, for that key only', async () => {
    const { app } = testApp(tdb, {
      config: {
        jwtAudience: 'paymux',
        maxBodyBytes: 65_536,
        publicUrl: 'http://127.0.0.1:9',
        rateLimit: { perSecond: 1, burst: 2 },
      },
    });
    const call = async (k: TestKey) =>
      await app.request('/v1/whoami', { headers: { authorization: `Bearer ${await mintToken(k)}` } });
    expect((await call(key)).status).toBe(200);
    expect((await call(key)).status).toBe(200);
    const limited = await call(key);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(await limited.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    expect((await call(other)).status).toBe(200);
  });
});
