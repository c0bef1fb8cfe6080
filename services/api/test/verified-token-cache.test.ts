import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { OPERATOR, revokeApiKey } from '@paymux/operations';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyCache } from '../src/auth/api-key-cache.ts';
import { makeKey, makeTenant, mintToken, type TestTenant, testApp } from './support/fixtures.ts';

// The verifier remembers tokens it verified, so an SDK that reuses its token for minutes
// costs one ES256 verification, not one per request. These tests pin down what a
// remembered token still has to pass on every use.

let tdb: TestDatabase;
let tenant: TestTenant;
const caches: ApiKeyCache[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  tenant = await makeTenant(tdb);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
afterAll(() => tdb.close());

const whoami = (app: ReturnType<typeof testApp>['app'], token: string) =>
  app.request('/v1/whoami', { headers: { authorization: `Bearer ${token}` } });

describe('verified-token cache', () => {
  it('verifies a reused token once, and still answers for it on every use', async () => {
    // jose 6 verifies through WebCrypto.
    const verify = vi.spyOn(crypto.subtle, 'verify');
    const { app } = testApp(tdb);
    const key = await makeKey(tdb, tenant.id);
    const token = await mintToken(key);
    for (let i = 0; i < 5; i += 1) {
      const res = await whoami(app, token);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ tenant: tenant.id });
    }
    expect(verify).toHaveBeenCalledTimes(1);
    // A new token is a new verification (control).
    const other = await mintToken(key, { iat: Math.floor(Date.now() / 1000) - 1 });
    expect((await whoami(app, other)).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('refuses a remembered token once its key is revoked', async () => {
    const cache = new ApiKeyCache({ databaseUrl: tdb.url, logger: pino({ level: 'silent' }) });
    caches.push(cache);
    await cache.start();
    const { app } = testApp(tdb, { apiKeyCache: cache });
    const key = await makeKey(tdb, tenant.id);
    const token = await mintToken(key);
    expect((await whoami(app, token)).status).toBe(200);
    expect((await whoami(app, token)).status).toBe(200);

    await revokeApiKey({
      ctx: { db: tdb.db, actor: OPERATOR },
      input: { tenantId: tenant.id, keyId: key.id },
    });
    const deadline = Date.now() + 2_000;
    let res = await whoami(app, token);
    while (res.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
      res = await whoami(app, token);
    }
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      code: 'invalid_token',
      detail: 'This API key has been revoked.',
    });
  });

  it('refuses a remembered token once it expires (30 s skew), and a clock set back before its iat', async () => {
    let now = new Date();
    const { app } = testApp(tdb, { now: () => now });
    const key = await makeKey(tdb, tenant.id);
    const iat = Math.floor(now.getTime() / 1000);
    const token = await mintToken(key, { iat, exp: iat + 60 });
    expect((await whoami(app, token)).status).toBe(200);

    now = new Date((iat + 60 + 29) * 1000);
    expect((await whoami(app, token)).status).toBe(200);
    now = new Date((iat + 60 + 30) * 1000);
    const expired = await whoami(app, token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ detail: 'The token has expired.' });
    // Forgotten once expired: the clock going back does not bring it back unchecked.
    now = new Date((iat + 10) * 1000);
    expect((await whoami(app, token)).status).toBe(200);

    now = new Date((iat - 31) * 1000);
    const early = await whoami(app, token);
    expect(early.status).toBe(401);
    expect(await early.json()).toMatchObject({ detail: 'The token is issued in the future ("iat").' });
  });

  it('never lets a remembered token vouch for a tampered copy', async () => {
    const { app } = testApp(tdb);
    const key = await makeKey(tdb, tenant.id);
    const token = await mintToken(key);
    expect((await whoami(app, token)).status).toBe(200);
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}${s.at(-1)}`;
    const res = await whoami(app, flipped);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ detail: 'The token signature is not valid.' });
  });
});
