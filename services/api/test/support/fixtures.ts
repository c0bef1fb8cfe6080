import type { Scope } from '@paymux/core';
import { newId } from '@paymux/core';
import { withTenant } from '@paymux/db';
import type { TestDatabase } from '@paymux/db/testing';
import { createApiKey, createTenant, OPERATOR } from '@paymux/operations';
import { importJWK, type JWK, SignJWT } from 'jose';
import { pino } from 'pino';
import { createApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/deps.ts';

export const AUDIENCE = 'paymux';

export interface TestKey {
  readonly id: string;
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly privateJwk: JWK;
}

export interface TestTenant {
  readonly id: string;
  readonly email: string;
}

let counter = 0;

/** A tenant created through the same verb sign-up uses. */
export async function makeTenant(tdb: TestDatabase, name = 'Acme'): Promise<TestTenant> {
  counter += 1;
  const email = `owner-${Date.now()}-${counter}@example.com`;
  const { tenant } = await createTenant({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: { name, email, password: 'correct horse battery' },
  });
  return { id: tenant.id, email };
}

/** An API key created through the same verb the CLI and portal use. */
export async function makeKey(
  tdb: TestDatabase,
  tenantId: string,
  options: { mode?: 'test' | 'live'; scopes?: Scope[] } = {},
): Promise<TestKey> {
  const mode = options.mode ?? 'test';
  const key = await createApiKey({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: { tenantId, mode, ...(options.scopes ? { scopes: options.scopes } : {}) },
  });
  if (!key.private_jwk) throw new Error('expected a generated key');
  return { id: key.id, tenantId, mode, privateJwk: key.private_jwk };
}

export interface TokenOptions {
  readonly audience?: string;
  readonly iat?: number;
  readonly exp?: number;
  readonly kid?: string;
  readonly alg?: 'ES256' | 'EdDSA';
}

/** Mints a JWT the way a tenant (or @paymux/sdk) would. */
export async function mintToken(key: TestKey, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const iat = options.iat ?? now;
  const privateKey = await importJWK(key.privateJwk, 'ES256');
  return await new SignJWT({})
    .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? key.id, typ: 'JWT' })
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(options.exp ?? iat + 60)
    .sign(privateKey);
}

/** A merchant account row for read-route tests (the create verb arrives with the vault). */
export async function insertMerchantAccount(
  tdb: TestDatabase,
  tenantId: string,
  mode: 'test' | 'live',
): Promise<string> {
  const id = newId('mca');
  await withTenant(tdb.db, tenantId, (trx) =>
    trx
      .insertInto('merchant_accounts')
      .values({
        tenant_id: tenantId,
        id,
        mode,
        provider: 'wechatpay',
        display_name: 'Test shop',
        identifiers: JSON.stringify({ mchid: '1900000001' }),
      })
      .execute(),
  );
  return id;
}

export function testApp(tdb: TestDatabase, overrides: Partial<AppDeps> = {}) {
  return createApp({
    db: tdb.db,
    config: { jwtAudience: AUDIENCE, maxBodyBytes: 64 * 1024 },
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
}
