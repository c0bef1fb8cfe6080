import { ALL_SCOPES, type Scope } from '@paymux/core';
import type { TestDatabase } from '@paymux/db/testing';
import { OPERATOR, revokeApiKey } from '@paymux/operations';
import { base64url, SignJWT } from 'jose';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeKey, makeTenant, mintToken, type TestKey, testApp } from './fixtures.ts';

export interface RouteUnderTest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The route's path for tenant A's test-mode key (for id routes, A's own object). */
  readonly path: (ctx: SuiteContext) => Promise<string> | string;
  readonly scope: Scope;
  readonly body?: (ctx: SuiteContext) => unknown | Promise<unknown>;
  /** The app under test (default: testApp on the suite's database). */
  readonly app?: () => { tdb: TestDatabase; app: ReturnType<typeof testApp>['app'] };
  /** Runs once the suite's tenants exist (e.g. to give them merchant accounts). */
  readonly setup?: (ctx: SuiteContext) => Promise<void>;
  /** Test-mode-only routes: a live key on a live object is refused (404) too. */
  readonly testModeOnly?: boolean;
  /**
   * For routes addressing one object: create an object owned by `tenantId` in `mode`
   * and return the path that addresses it.
   */
  readonly objectPath?: (ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') => Promise<string>;
}

export interface SuiteContext {
  readonly tdb: TestDatabase;
  readonly tenantA: string;
  readonly tenantB: string;
}

/** A digest of every row of every table (ignoring last_used_at, which is advisory). */
async function databaseDigest(tdb: TestDatabase): Promise<string> {
  const tables = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = 'public' and tablename not like 'kysely_%' order by 1
  `.execute(tdb.owner);
  const parts: string[] = [];
  for (const { tablename } of tables.rows) {
    const t = sql.table(tablename);
    const r = await sql<{ digest: string | null }>`
      select md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, ',' order by (to_jsonb(x) - 'last_used_at')::text), '')) as digest
      from ${t} x
    `.execute(tdb.owner);
    parts.push(`${tablename}:${r.rows[0]?.digest}`);
  }
  return parts.join('|');
}

/**
 * The security suite every authenticated /v1 route registers with: bad tokens of
 * every kind, a missing scope, another tenant's ids and the wrong mode are all refused
 * with problem+json and change no row. Each case has a positive control so it can fail.
 */
export function runCommonRouteTests(getTdb: () => TestDatabase, route: RouteUnderTest): void {
  describe(`${route.method} security suite`, () => {
    let ctx: SuiteContext;
    let app: ReturnType<typeof testApp>['app'];
    let keyA: TestKey;
    let keyALive: TestKey;
    let keyNoScope: TestKey;
    let keyRevoked: TestKey;
    let keyB: TestKey;

    beforeAll(async () => {
      const custom = route.app?.();
      const tdb = custom?.tdb ?? getTdb();
      const a = await makeTenant(tdb, 'Tenant A');
      const b = await makeTenant(tdb, 'Tenant B');
      ctx = { tdb, tenantA: a.id, tenantB: b.id };
      app = custom?.app ?? testApp(tdb).app;
      await route.setup?.(ctx);
      keyA = await makeKey(tdb, a.id);
      keyALive = await makeKey(tdb, a.id, { mode: 'live' });
      keyNoScope = await makeKey(tdb, a.id, { scopes: ALL_SCOPES.filter((s) => s !== route.scope) });
      keyRevoked = await makeKey(tdb, a.id);
      await revokeApiKey({
        ctx: { db: tdb.db, actor: OPERATOR },
        input: { tenantId: a.id, keyId: keyRevoked.id },
      });
      keyB = await makeKey(tdb, b.id);
    });

    /** Builds the body first (it may create rows, e.g. a payment to refund), then the request. */
    const prepare = async (path: string, authorization?: string) => {
      const headers: Record<string, string> = {};
      if (authorization !== undefined) headers.authorization = authorization;
      let body: string | undefined;
      if (route.body) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(await route.body(ctx));
      }
      return () => app.request(path, { method: route.method, headers, ...(body ? { body } : {}) });
    };
    const send = async (path: string, authorization?: string) => await (await prepare(path, authorization))();

    const expectRefused = async (
      authorization: string | undefined,
      status: number,
      code: string,
      path?: string,
    ): Promise<void> => {
      const target = path ?? (await route.path(ctx));
      const request = await prepare(target, authorization);
      const before = await databaseDigest(ctx.tdb);
      const res = await request();
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as Record<string, unknown>;
      expect(problem).toMatchObject({ status, code });
      expect(typeof problem.request_id).toBe('string');
      expect(await databaseDigest(ctx.tdb)).toBe(before);
    };

    it('accepts a valid token with the scope (positive control)', async () => {
      const res = await send(await route.path(ctx), `Bearer ${await mintToken(keyA)}`);
      expect(res.status).toBeLessThan(300);
    });

    it('refuses a request without a token', async () => {
      await expectRefused(undefined, 401, 'unauthenticated');
    });

    it('refuses a malformed token', async () => {
      await expectRefused('Bearer not-a-jwt', 401, 'invalid_token');
      await expectRefused('Basic dXNlcjpwYXNz', 401, 'invalid_token');
    });

    it('refuses alg "none"', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', kid: keyA.id, typ: 'JWT' }));
      const now = Math.floor(Date.now() / 1000);
      const payload = base64url.encode(JSON.stringify({ aud: 'paymux', iat: now, exp: now + 60 }));
      await expectRefused(`Bearer ${header}.${payload}.`, 401, 'invalid_token');
    });

    it('refuses HS256 signed with the public key as the secret', async () => {
      const now = Math.floor(Date.now() / 1000);
      const { d: _private, ...publicJwk } = keyA.privateJwk;
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid: keyA.id })
        .setAudience('paymux')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(secret);
      await expectRefused(`Bearer ${forged}`, 401, 'invalid_token');
    });

    it('refuses an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(
        `Bearer ${await mintToken(keyA, { iat: now - 400, exp: now - 120 })}`,
        401,
        'invalid_token',
      );
    });

    it('refuses a token issued in the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(
        `Bearer ${await mintToken(keyA, { iat: now + 120, exp: now + 180 })}`,
        401,
        'invalid_token',
      );
    });

    it('refuses a lifetime over 300 s', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(
        `Bearer ${await mintToken(keyA, { iat: now, exp: now + 301 })}`,
        401,
        'invalid_token',
      );
    });

    it('refuses the wrong audience', async () => {
      await expectRefused(
        `Bearer ${await mintToken(keyA, { audience: 'someone-else' })}`,
        401,
        'invalid_token',
      );
    });

    it('refuses an unknown or malformed kid', async () => {
      await expectRefused(
        `Bearer ${await mintToken(keyA, { kid: 'key_00000000000000000000000000' })}`,
        401,
        'invalid_token',
      );
      await expectRefused(
        `Bearer ${await mintToken(keyA, { kid: "key_' or 1=1 --" })}`,
        401,
        'invalid_token',
      );
    });

    it('refuses a token signed by another key under this kid', async () => {
      await expectRefused(`Bearer ${await mintToken({ ...keyB, id: keyA.id })}`, 401, 'invalid_token');
    });

    it('refuses a revoked key', async () => {
      await expectRefused(`Bearer ${await mintToken(keyRevoked)}`, 401, 'invalid_token');
    });

    it(`refuses a key without the "${route.scope}" scope`, async () => {
      await expectRefused(`Bearer ${await mintToken(keyNoScope)}`, 403, 'insufficient_scope');
    });

    if (route.objectPath) {
      const objectPath = route.objectPath;
      it("answers 404 for another tenant's object", async () => {
        const own = await objectPath(ctx, ctx.tenantA, 'test');
        const res = await send(own, `Bearer ${await mintToken(keyA)}`);
        expect(res.status).toBeLessThan(300);
        const theirs = await objectPath(ctx, ctx.tenantB, 'test');
        await expectRefused(`Bearer ${await mintToken(keyA)}`, 404, 'not_found', theirs);
        // And B can still see its own: the 404 is isolation, not a broken route.
        const resB = await send(theirs, `Bearer ${await mintToken(keyB)}`);
        expect(resB.status).toBeLessThan(300);
      });

      it('answers 404 for a live object with a test key, and the reverse', async () => {
        const live = await objectPath(ctx, ctx.tenantA, 'live');
        await expectRefused(`Bearer ${await mintToken(keyA)}`, 404, 'not_found', live);
        const test = await objectPath(ctx, ctx.tenantA, 'test');
        await expectRefused(`Bearer ${await mintToken(keyALive)}`, 404, 'not_found', test);
        if (route.testModeOnly) {
          await expectRefused(`Bearer ${await mintToken(keyALive)}`, 404, 'not_found', live);
        } else {
          const resLive = await send(live, `Bearer ${await mintToken(keyALive)}`);
          expect(resLive.status).toBeLessThan(300);
        }
      });
    }
  });
}
