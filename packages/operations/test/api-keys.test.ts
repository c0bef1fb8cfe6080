import { ALL_SCOPES, isPaymuxError, newId, type PaymuxError } from '@paymux/core';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApiKey,
  createTenant,
  findApiKeyForAuth,
  OPERATOR,
  type OperationContext,
  revokeApiKey,
} from '../src/index.ts';

let tdb: TestDatabase;
let ctx: OperationContext;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  ctx = { db: tdb.db, actor: OPERATOR };
  const make = async (name: string) =>
    (
      await createTenant({
        ctx,
        input: {
          name,
          email: `${name.toLowerCase()}-${Date.now()}@example.com`,
          password: 'correct horse battery',
        },
      })
    ).tenant.id;
  tenantA = await make('TenantA');
  tenantB = await make('TenantB');
});
afterAll(() => tdb.close());

async function expectPaymuxError(promise: Promise<unknown>, code: string): Promise<PaymuxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPaymuxError(error), String(error)).toBe(true);
  expect((error as PaymuxError).code).toBe(code);
  return error as PaymuxError;
}

const apiKeyCount = async () =>
  (await sql<{ n: number }>`select count(*)::int as n from api_keys`.execute(tdb.owner)).rows[0]?.n;

const storedRow = (id: string) =>
  tdb.owner.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const auditRows = (tenantId: string, targetId: string) =>
  tdb.owner
    .selectFrom('audit_log')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();

describe('createApiKey', () => {
  it('generates an ES256 pair, returns the private JWK once and stores only the public key', async () => {
    const key = await createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test' } });
    expect(key.alg).toBe('ES256');
    expect(key.mode).toBe('test');
    const privateJwk = key.private_jwk as JWK;
    expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: key.id, alg: 'ES256' });
    expect(typeof privateJwk.d).toBe('string');
    expect((privateJwk.d as string).length).toBeGreaterThan(20);
    expect(key.public_jwk).not.toHaveProperty('d');

    const row = await storedRow(key.id);
    expect(row.tenant_id).toBe(tenantA);
    expect(row.public_jwk).not.toHaveProperty('d');
    expect(row.public_jwk).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      x: privateJwk.x,
      y: privateJwk.y,
      kid: key.id,
    });
    // No column of any api_keys row, nor any audit row, holds the private scalar.
    const everything = await sql<{ text: string }>`
      select to_jsonb(k)::text as text from api_keys k
      union all select to_jsonb(a)::text from audit_log a
    `.execute(tdb.owner);
    expect(everything.rows.length).toBeGreaterThan(1);
    for (const { text } of everything.rows) expect(text).not.toContain(privateJwk.d);
    // The thumbprint is of the public key, so it identifies it without revealing anything.
    const { d: _d, ...publicPart } = privateJwk;
    expect(row.thumbprint).toBe(
      await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: publicPart.x, y: publicPart.y }),
    );

    // The returned private key and the stored public key are one pair.
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.id })
      .setAudience('paymux')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(await importJWK(privateJwk, 'ES256'));
    await expect(jwtVerify(jwt, await importJWK(row.public_jwk, 'ES256'))).resolves.toBeDefined();
  });

  it('never hands the private key out again', async () => {
    const key = await createApiKey({ ctx, input: { tenantId: tenantA, mode: 'live' } });
    const forAuth = await findApiKeyForAuth(tdb.db, key.id);
    expect(forAuth?.publicJwk).not.toHaveProperty('d');
    expect(JSON.stringify(forAuth)).not.toContain(key.private_jwk?.d as string);
  });

  it('grants every scope by default', async () => {
    const key = await createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test' } });
    expect([...key.scopes].sort()).toEqual([...ALL_SCOPES].sort());
    expect([...(await storedRow(key.id)).scopes].sort()).toEqual([...ALL_SCOPES].sort());
  });

  it('grants exactly the scopes asked for, duplicates collapsed', async () => {
    const key = await createApiKey({
      ctx,
      input: { tenantId: tenantA, mode: 'live', scopes: ['payments:read', 'refunds:read', 'payments:read'] },
    });
    expect(key.scopes).toEqual(['payments:read', 'refunds:read']);
    expect((await storedRow(key.id)).scopes).toEqual(['payments:read', 'refunds:read']);
  });

  it('records an api_key.created audit row without key material', async () => {
    const key = await createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test', name: 'ci' } });
    const audit = await auditRows(tenantA, key.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'api_key.created',
      actor_type: 'operator',
      target_type: 'api_key',
      data: { mode: 'test', alg: 'ES256', generated: true, thumbprint: key.thumbprint },
    });
  });

  describe("registering the tenant's own public key", () => {
    for (const alg of ['ES256', 'EdDSA'] as const) {
      it(`accepts an ${alg} public JWK and returns no private key`, async () => {
        const pair = await generateKeyPair(alg, { extractable: true });
        const publicJwk = await exportJWK(pair.publicKey);
        const privateJwk = await exportJWK(pair.privateKey);
        const key = await createApiKey({
          ctx,
          input: { tenantId: tenantA, mode: 'test', publicJwk: publicJwk as never },
        });
        expect(key.alg).toBe(alg);
        expect(key).not.toHaveProperty('private_jwk');
        const row = await storedRow(key.id);
        expect(row.alg).toBe(alg);
        expect(row.public_jwk).toMatchObject({ ...publicJwk, kid: key.id, alg });
        expect(row.public_jwk).not.toHaveProperty('d');
        expect(row.thumbprint).toBe(await calculateJwkThumbprint(publicJwk));

        // A token the tenant signs with its own private key verifies against what was stored.
        const now = Math.floor(Date.now() / 1000);
        const jwt = await new SignJWT({})
          .setProtectedHeader({ alg, kid: key.id })
          .setIssuedAt(now)
          .setExpirationTime(now + 60)
          .sign(await importJWK(privateJwk, alg));
        await expect(jwtVerify(jwt, await importJWK(row.public_jwk, alg))).resolves.toBeDefined();
        const audit = await auditRows(tenantA, key.id);
        expect(audit[0]?.data).toMatchObject({ generated: false, alg });
      });
    }

    it('accepts the kid, alg and use that JWK tools add, and stores its own kid', async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      const publicJwk = {
        ...(await exportJWK(pair.publicKey)),
        kid: 'my-laptop-key',
        alg: 'ES256',
        use: 'sig',
      };
      const key = await createApiKey({
        ctx,
        input: { tenantId: tenantA, mode: 'test', publicJwk: publicJwk as never },
      });
      const row = await storedRow(key.id);
      expect(row.public_jwk).toMatchObject({ kid: key.id, alg: 'ES256', use: 'sig' });
    });

    it('refuses a JWK whose alg contradicts its key type', async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      const publicJwk = { ...(await exportJWK(pair.publicKey)), alg: 'EdDSA' };
      await expectPaymuxError(
        createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test', publicJwk: publicJwk as never } }),
        'validation_failed',
      );
    });

    it('refuses a JWK carrying the private "d" and stores nothing', async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      const privateJwk = await exportJWK(pair.privateKey);
      const before = await apiKeyCount();
      const error = await expectPaymuxError(
        createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test', publicJwk: privateJwk as never } }),
        'validation_failed',
      );
      expect(error.fields?.some((f) => f.path.startsWith('publicJwk'))).toBe(true);
      expect(JSON.stringify(error.fields)).toContain('d');
      expect(await apiKeyCount()).toBe(before);
    });

    it('refuses an EdDSA private JWK too', async () => {
      const pair = await generateKeyPair('EdDSA', { extractable: true });
      const privateJwk = await exportJWK(pair.privateKey);
      await expectPaymuxError(
        createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test', publicJwk: privateJwk as never } }),
        'validation_failed',
      );
    });

    it('refuses keys of other types, curves or with invalid points', async () => {
      const rsa = await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey);
      const p384 = await exportJWK((await generateKeyPair('ES384', { extractable: true })).publicKey);
      const p256 = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
      const ed = await exportJWK((await generateKeyPair('EdDSA', { extractable: true })).publicKey);
      const bad: unknown[] = [
        rsa,
        p384,
        { ...p256, y: undefined },
        { ...p256, crv: 'Ed25519' },
        { ...ed, kty: 'EC' },
        { ...ed, y: ed.x },
        { ...p256, x: 'AAAA', y: 'AAAA' },
        { kty: 'oct', k: 'c2VjcmV0' },
      ];
      const before = await apiKeyCount();
      for (const jwk of bad) {
        await expectPaymuxError(
          createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test', publicJwk: jwk as never } }),
          'validation_failed',
        );
      }
      expect(await apiKeyCount()).toBe(before);
    });
  });

  it('answers not_found for a well-formed but unknown tenant id, and stores nothing', async () => {
    const before = await apiKeyCount();
    await expectPaymuxError(
      createApiKey({ ctx, input: { tenantId: newId('tnt'), mode: 'test' } }),
      'not_found',
    );
    expect(await apiKeyCount()).toBe(before);
  });

  it('refuses a malformed tenant id, a bad mode, empty or unknown scopes and extra fields', async () => {
    const inputs: Array<{ input: Record<string, unknown>; path: string }> = [
      { input: { tenantId: 'tnt_nope', mode: 'test' }, path: 'tenantId' },
      { input: { tenantId: tenantA, mode: 'prod' }, path: 'mode' },
      { input: { tenantId: tenantA, mode: 'test', scopes: [] }, path: 'scopes' },
      { input: { tenantId: tenantA, mode: 'test', scopes: ['payments:delete'] }, path: 'scopes.0' },
      { input: { tenantId: tenantA, mode: 'test', name: '' }, path: 'name' },
      { input: { tenantId: tenantA, mode: 'test', privateJwk: {} }, path: 'privateJwk' },
    ];
    const before = await apiKeyCount();
    for (const { input, path } of inputs) {
      const error = await expectPaymuxError(
        createApiKey({ ctx, input: input as never }),
        'validation_failed',
      );
      expect(
        error.fields?.map((f) => f.path),
        JSON.stringify(input),
      ).toContain(path);
    }
    expect(await apiKeyCount()).toBe(before);
  });
});

describe('revokeApiKey', () => {
  it('sets revoked_at and audits api_key.revoked, once', async () => {
    const key = await createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test' } });
    expect((await storedRow(key.id)).revoked_at).toBeNull();

    const revoked = await revokeApiKey({
      ctx: { ...ctx, requestId: 'req_revoke_1' },
      input: { tenantId: tenantA, keyId: key.id },
    });
    expect(revoked.revoked_at).not.toBeNull();
    const row = await storedRow(key.id);
    expect(row.revoked_at).toBeInstanceOf(Date);
    expect(revoked.revoked_at).toBe(row.revoked_at?.toISOString());
    expect((await findApiKeyForAuth(tdb.db, key.id))?.revoked).toBe(true);

    const audit = (await auditRows(tenantA, key.id)).filter((a) => a.action === 'api_key.revoked');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_type: 'operator',
      target_type: 'api_key',
      request_id: 'req_revoke_1',
    });
  });

  it('is idempotent: revoking again keeps the first revoked_at and adds no audit row', async () => {
    const key = await createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test' } });
    const first = await revokeApiKey({ ctx, input: { tenantId: tenantA, keyId: key.id } });
    await new Promise((r) => setTimeout(r, 20));
    const second = await revokeApiKey({ ctx, input: { tenantId: tenantA, keyId: key.id } });
    expect(second.revoked_at).toBe(first.revoked_at);
    expect((await storedRow(key.id)).revoked_at?.toISOString()).toBe(first.revoked_at);
    const revocations = (await auditRows(tenantA, key.id)).filter((a) => a.action === 'api_key.revoked');
    expect(revocations).toHaveLength(1);
  });

  it('answers not_found to another tenant and leaves the key usable', async () => {
    const key = await createApiKey({ ctx, input: { tenantId: tenantA, mode: 'test' } });
    await expectPaymuxError(revokeApiKey({ ctx, input: { tenantId: tenantB, keyId: key.id } }), 'not_found');
    expect((await storedRow(key.id)).revoked_at).toBeNull();
    expect(await auditRows(tenantB, key.id)).toEqual([]);
    expect((await auditRows(tenantA, key.id)).map((a) => a.action)).toEqual(['api_key.created']);
    // The owner can (control): the 404 above is isolation, not a broken verb.
    await revokeApiKey({ ctx, input: { tenantId: tenantA, keyId: key.id } });
    expect((await storedRow(key.id)).revoked_at).not.toBeNull();
  });

  it('answers not_found for unknown and malformed ids', async () => {
    await expectPaymuxError(
      revokeApiKey({ ctx, input: { tenantId: tenantA, keyId: newId('key') } }),
      'not_found',
    );
    await expectPaymuxError(
      revokeApiKey({ ctx, input: { tenantId: tenantA, keyId: "key_' or 1=1" } }),
      'not_found',
    );
    await expectPaymuxError(
      revokeApiKey({ ctx, input: { tenantId: 'tnt_bad', keyId: newId('key') } }),
      'not_found',
    );
  });
});
