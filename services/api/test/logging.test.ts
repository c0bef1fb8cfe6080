import { appKysely } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { insertMerchantAccount, makeKey, makeTenant, mintToken, testApp } from './support/fixtures.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.close());

/** A pino destination that keeps every line in memory. */
function memoryStream() {
  const lines: string[] = [];
  return {
    lines,
    stream: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line) lines.push(line);
      },
    },
    parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('request logging', () => {
  it('writes one JSON access line per request and never a token, an Authorization value or a private key', async () => {
    const sink = memoryStream();
    // The most verbose level: a secret must not leak at any level.
    const logger = createLogger({ level: 'trace', stream: sink.stream });
    const { app } = testApp(tdb, { logger });
    const tenant = await makeTenant(tdb);
    const key = await makeKey(tdb, tenant.id);
    const otherKey = await makeKey(tdb, tenant.id);
    const accountId = await insertMerchantAccount(tdb, tenant.id, 'test');
    const d = key.privateJwk.d as string;
    expect(d.length).toBeGreaterThan(20);

    const goodToken = await mintToken(key);
    const badSignature = await mintToken({ ...otherKey, id: key.id });
    const expired = await mintToken(key, { iat: 1_000_000, exp: 1_000_060 });
    const authorizations = [
      `Bearer ${goodToken}`,
      `Bearer ${badSignature}`,
      `Bearer ${expired}`,
      `Bearer ${d}.${d}.${d}`,
      `Basic ${Buffer.from(`user:${d}`).toString('base64')}`,
    ];
    const requests: Array<{ path: string; authorization: string; status: number }> = [
      { path: '/v1/whoami', authorization: authorizations[0] as string, status: 200 },
      { path: `/v1/merchant_accounts/${accountId}`, authorization: authorizations[0] as string, status: 200 },
      { path: '/v1/merchant_accounts?limit=0', authorization: authorizations[0] as string, status: 400 },
      { path: '/v1/whoami', authorization: authorizations[1] as string, status: 401 },
      { path: '/v1/whoami', authorization: authorizations[2] as string, status: 401 },
      { path: '/v1/whoami', authorization: authorizations[3] as string, status: 401 },
      { path: '/v1/whoami', authorization: authorizations[4] as string, status: 401 },
    ];
    const responses: Array<{ requestId: string | null; status: number }> = [];
    for (const r of requests) {
      const res = await app.request(r.path, { headers: { authorization: r.authorization } });
      expect(res.status, r.path).toBe(r.status);
      responses.push({ requestId: res.headers.get('request-id'), status: res.status });
    }
    // A body carrying the private key must not be echoed into the log either.
    const bodyRes = await app.request('/v1/whoami', {
      method: 'POST',
      headers: { authorization: authorizations[0] as string, 'content-type': 'application/json' },
      body: JSON.stringify({ private_jwk: key.privateJwk, password: d }),
    });
    expect(bodyRes.status).toBe(404);

    expect(sink.lines.length).toBeGreaterThanOrEqual(requests.length + 1);
    const forbidden = [
      goodToken,
      badSignature,
      expired,
      ...authorizations,
      // Every JWT segment (the signature alone is enough to matter) and every chunk of d.
      ...[goodToken, badSignature].flatMap((t) => t.split('.')).filter((s) => s.length > 8),
      ...(d.match(/.{1,12}/g) ?? []),
    ];
    for (const line of sink.lines) {
      for (const secret of forbidden) expect(line).not.toContain(secret);
    }

    const entries = sink.parsed();
    const access = entries.filter((e) => e.msg === 'request');
    expect(access).toHaveLength(requests.length + 1);
    for (const [i, response] of responses.entries()) {
      const line = access.find((e) => e.request_id === response.requestId);
      expect(line, `access line for request ${i}`).toBeDefined();
      expect(line).toMatchObject({ service: 'paymux', method: 'GET', status: response.status, level: 30 });
      expect(typeof line?.route).toBe('string');
      expect(typeof line?.duration_ms).toBe('number');
      expect(typeof line?.time).toBe('string');
      expect(line).not.toHaveProperty('authorization');
      expect(line).not.toHaveProperty('headers');
      if (response.status === 401) {
        expect(line).not.toHaveProperty('tenant_id');
      } else {
        expect(line).toMatchObject({ tenant_id: tenant.id, key_id: key.id, mode: 'test' });
      }
    }
    const byRoute = access.map((e) => e.route);
    expect(byRoute).toContain('/v1/whoami');
    expect(byRoute).toContain('/v1/merchant_accounts/:id');
    // The raw path with the account id is not the route.
    expect(JSON.stringify(access)).not.toContain(accountId);
  });

  it('logs the unhandled error behind a 503 readiness answer without the connection password', async () => {
    const sink = memoryStream();
    const logger = createLogger({ level: 'trace', stream: sink.stream });
    const password = 'hunter2-do-not-log';
    const unreachable = appKysely(`postgres://paymux:${password}@127.0.0.1:1/db`, 1);
    try {
      const res = await testApp(tdb, { db: unreachable, logger }).app.request('/readyz');
      expect(res.status).toBe(503);
    } finally {
      await unreachable.destroy();
    }
    const warnings = sink.parsed().filter((e) => e.msg === 'readiness check failed');
    expect(warnings).toHaveLength(1);
    for (const line of sink.lines) expect(line).not.toContain(password);
  });
});

describe('createLogger redaction', () => {
  it('redacts passwords, credentials, secrets, tokens and private keys, at the top level and one level down', () => {
    const sink = memoryStream();
    const logger = createLogger({ stream: sink.stream });
    logger.info(
      {
        password: 'pw-top-LEAK',
        credentials: { apiv3_key: 'apiv3-LEAK', merchant_private_key: 'pem-LEAK' },
        nested: { secret: 'nested-secret-LEAK', token: 'nested-token-LEAK', keep: 'visible' },
        input: { password: 'input-pw-LEAK', private_jwk: { d: 'jwk-d-LEAK' }, app_private_key: 'app-LEAK' },
        headers: { authorization: 'Bearer header-LEAK', accept: 'application/json' },
        req: { headers: { authorization: 'Bearer req-LEAK', cookie: 'sid=cookie-LEAK' } },
        authorization: 'Bearer top-LEAK',
        token: 'top-token-LEAK',
      },
      'something happened',
    );
    expect(sink.lines).toHaveLength(1);
    const line = sink.lines[0] as string;
    expect(line).not.toContain('LEAK');
    const entry = JSON.parse(line) as Record<string, Record<string, unknown>>;
    expect(entry.password).toBe('[redacted]');
    expect(entry.credentials).toBe('[redacted]');
    expect(entry.nested).toEqual({ secret: '[redacted]', token: '[redacted]', keep: 'visible' });
    expect(entry.input).toEqual({
      password: '[redacted]',
      private_jwk: '[redacted]',
      app_private_key: '[redacted]',
    });
    expect(entry.headers).toEqual({ authorization: '[redacted]', accept: 'application/json' });
    expect(entry.req?.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]' });
    expect(entry.msg).toBe('something happened');
  });

  it('redacts at any depth, case-insensitively, and inside errors', () => {
    const sink = memoryStream();
    const logger = createLogger({ stream: sink.stream });
    const sdkError = Object.assign(new Error('request failed'), {
      config: { headers: { Authorization: 'WECHATPAY2-SHA256-RSA2048 deep-LEAK' }, password: 'cfg-LEAK' },
    });
    logger.error(
      {
        err: sdkError,
        webhook: { endpoint: { secret: 'whsec_deep-LEAK', url: 'https://example.com/hook' } },
        a: { b: { c: { Private_Key: 'pem-deep-LEAK' } } },
        list: [{ token: 'array-LEAK' }],
      },
      'provider call failed',
    );
    const line = sink.lines[0] as string;
    expect(line).not.toContain('LEAK');
    const entry = JSON.parse(line) as {
      err: { message: string; config: { headers: Record<string, string> } };
      webhook: { endpoint: Record<string, string> };
    };
    expect(entry.err.message).toBe('request failed');
    expect(entry.err.config.headers.Authorization).toBe('[redacted]');
    expect(entry.webhook.endpoint).toEqual({ secret: '[redacted]', url: 'https://example.com/hook' });
  });

  it('survives circular objects', () => {
    const sink = memoryStream();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    createLogger({ stream: sink.stream }).info({ loop }, 'cycle');
    expect(JSON.parse(sink.lines[0] as string).loop).toEqual({ name: 'loop', self: '[circular]' });
  });

  it('leaves ordinary fields alone (control)', () => {
    const sink = memoryStream();
    createLogger({ stream: sink.stream }).info({ tenant_id: 'tnt_x', amount: '100' }, 'ok');
    expect(JSON.parse(sink.lines[0] as string)).toMatchObject({
      tenant_id: 'tnt_x',
      amount: '100',
      msg: 'ok',
    });
  });
});
