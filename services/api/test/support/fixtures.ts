import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scope } from '@paymux/core';
import type { TestDatabase } from '@paymux/db/testing';
import { createApiKey, createMerchantAccount, createTenant, OPERATOR } from '@paymux/operations';
import { sandboxEndpoints } from '@paymux/providers';
import { testAlipayCredentials, testWechatpayCredentials } from '@paymux/providers/testing';
import { LocalKeyProvider } from '@paymux/vault';
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

/** Port 9 (discard) on loopback: connections are refused at once. */
export const UNREACHABLE_ENDPOINTS = sandboxEndpoints('http://127.0.0.1:9/sandbox');

/** One master key per test process, as a deployment has one. */
export const TEST_VAULT = new LocalKeyProvider([randomBytes(32)]);

/** A merchant account created through the same verb the API and portal use (Alipay: fast keys). */
export async function insertMerchantAccount(
  tdb: TestDatabase,
  tenantId: string,
  mode: 'test' | 'live',
  options: { provider?: 'wechatpay' | 'alipay'; display_name?: string } = {},
): Promise<string> {
  const provider = options.provider ?? 'alipay';
  const account = await createMerchantAccount({
    ctx: { db: tdb.db, vault: TEST_VAULT, actor: OPERATOR },
    input: {
      tenantId,
      mode,
      provider,
      display_name: options.display_name ?? 'Test shop',
      credentials: provider === 'alipay' ? testAlipayCredentials() : await testWechatpayCredentials(),
    },
  });
  return account.id;
}

export function testApp(tdb: TestDatabase, overrides: Partial<AppDeps> = {}) {
  return createApp({
    db: tdb.db,
    config: { jwtAudience: AUDIENCE, maxBodyBytes: 64 * 1024, publicUrl: 'http://127.0.0.1:9' },
    logger: pino({ level: 'silent' }),
    vault: TEST_VAULT,
    // No provider is reachable here; tests that call providers pass the sandbox's endpoints.
    providerEndpoints: { live: UNREACHABLE_ENDPOINTS, test: UNREACHABLE_ENDPOINTS },
    ...overrides,
  });
}

/** One request a WebhookReceiver got: its headers (lower-case names) and the exact body bytes as text. */
export interface ReceivedWebhook {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A real HTTP server on 127.0.0.1 standing in for a tenant's webhook endpoint. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** What it answers from now on. */
  respondWith(status: number, body?: string): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(status = 204, body = ''): Promise<WebhookReceiver> {
  let answer = { status, body };
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.status === 204 ? undefined : answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respondWith: (nextStatus, nextBody = '') => {
      answer = { status: nextStatus, body: nextBody };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on (bound, then released), so connections to it are refused. */
export async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
