import { readFileSync } from 'node:fs';
import { type CryptoKey, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FetchLike, Paymux, PaymuxError, SDK_VERSION } from '../src/index.ts';

interface Sent {
  readonly url: URL;
  readonly init: RequestInit;
  readonly headers: Record<string, string>;
}

/** A fetch that answers from a queue (or `{}` forever) and records requests. */
function stubFetch(answers: Array<() => Response> = []): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (url, init) => {
      sent.push({ url: new URL(url), init, headers: init.headers as Record<string, string> });
      return answers.shift()?.() ?? Response.json({});
    },
  };
}

let es256: { privateJwk: JWK; publicKey: CryptoKey };
let ed25519: { privateJwk: JWK; publicKey: CryptoKey };

beforeAll(async () => {
  const ec = await generateKeyPair('ES256', { extractable: true });
  es256 = { privateJwk: await exportJWK(ec.privateKey), publicKey: ec.publicKey };
  const ed = await generateKeyPair('EdDSA', { extractable: true });
  ed25519 = { privateJwk: await exportJWK(ed.privateKey), publicKey: ed.publicKey };
});

const KEY_ID = 'key_0000000000000000000000000a';
const BASE_URL = 'http://paymux.test';
const bearer = (sent: Sent) => (sent.headers.authorization ?? '').replace(/^Bearer /, '');

describe('API keys in every form a tenant has', () => {
  it('takes the whole `paymux api-key create` output, as an object or JSON, without a keyId', async () => {
    const file = { id: KEY_ID, alg: 'ES256', mode: 'test', private_jwk: es256.privateJwk };
    for (const privateKey of [file, JSON.stringify(file)]) {
      const stub = stubFetch();
      const paymux = new Paymux({ privateKey, baseUrl: BASE_URL, fetch: stub.fetch });
      expect(paymux.keyId).toBe(KEY_ID);
      await paymux.whoami();
      expect(decodeProtectedHeader(bearer(stub.sent[0] as Sent))).toEqual({
        alg: 'ES256',
        kid: KEY_ID,
        typ: 'JWT',
      });
    }
  });

  it('takes a bare private JWK (object or JSON) with a keyId, or with its own kid', () => {
    expect(new Paymux({ privateKey: es256.privateJwk, keyId: KEY_ID, baseUrl: BASE_URL }).keyId).toBe(KEY_ID);
    expect(
      new Paymux({ privateKey: JSON.stringify(es256.privateJwk), keyId: KEY_ID, baseUrl: BASE_URL }).keyId,
    ).toBe(KEY_ID);
    expect(
      new Paymux({ privateKey: { ...es256.privateJwk, kid: 'key_from_jwk' }, baseUrl: BASE_URL }).keyId,
    ).toBe('key_from_jwk');
  });

  it('refuses public keys, other key types, mismatched algs, a missing key id and bad URLs at construction', () => {
    const { d: _d, ...publicJwk } = es256.privateJwk;
    const make =
      (privateKey: unknown, extra: object = {}) =>
      () =>
        new Paymux({ privateKey: privateKey as JWK, keyId: KEY_ID, baseUrl: BASE_URL, ...extra });
    expect(make(publicJwk)).toThrow(/not a private key/);
    expect(make({ kty: 'RSA', n: 'x', e: 'AQAB', d: 'y' })).toThrow(/ES256.*EdDSA/);
    expect(make({ ...es256.privateJwk, alg: 'EdDSA' })).toThrow(/declares alg EdDSA/);
    expect(make('-----BEGIN PRIVATE KEY-----')).toThrow(/JSON/);
    expect(() => new Paymux({ privateKey: es256.privateJwk, baseUrl: BASE_URL })).toThrow(
      /keyId is required/,
    );
    expect(make(es256.privateJwk, { baseUrl: 'localhost:4000' })).toThrow(/baseUrl/);
  });
});

describe('request tokens', () => {
  it('are ES256 JWTs with kid, aud, iat and exp = iat + 300 that verify with the public key', async () => {
    const stub = stubFetch();
    const paymux = new Paymux({
      privateKey: es256.privateJwk,
      keyId: KEY_ID,
      baseUrl: BASE_URL,
      fetch: stub.fetch,
    });
    await paymux.whoami();
    const { payload, protectedHeader } = await jwtVerify(bearer(stub.sent[0] as Sent), es256.publicKey, {
      audience: 'paymux',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: KEY_ID });
    expect(payload.exp).toBe((payload.iat as number) + 300);
    expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('are EdDSA for an Ed25519 key, with the configured audience', async () => {
    const stub = stubFetch();
    const paymux = new Paymux({
      privateKey: ed25519.privateJwk,
      keyId: KEY_ID,
      baseUrl: BASE_URL,
      audience: 'paymux-staging',
      fetch: stub.fetch,
    });
    await paymux.whoami();
    const { protectedHeader } = await jwtVerify(bearer(stub.sent[0] as Sent), ed25519.publicKey, {
      audience: 'paymux-staging',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader.alg).toBe('EdDSA');
  });

  it('are reused until 30 s before expiry, then renewed', async () => {
    let now = 1_800_000_000_000;
    const stub = stubFetch();
    const paymux = new Paymux({
      privateKey: es256.privateJwk,
      keyId: KEY_ID,
      baseUrl: BASE_URL,
      fetch: stub.fetch,
      now: () => new Date(now),
    });
    await paymux.whoami();
    now += 200_000;
    await paymux.whoami();
    now += 69_999; // 269.999 s after signing: still more than 30 s left
    await paymux.whoami();
    now += 1; // 270 s: renew
    await paymux.whoami();
    const tokens = stub.sent.map(bearer);
    expect(new Set(tokens.slice(0, 3)).size).toBe(1);
    expect(tokens[3]).not.toBe(tokens[0]);
    const claims = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims(tokens[0] as string).iat).toBe(1_800_000_000);
    expect(claims(tokens[3] as string).iat).toBe(1_800_000_270);
  });

  it('are signed once for concurrent first calls', async () => {
    const stub = stubFetch();
    const paymux = new Paymux({
      privateKey: es256.privateJwk,
      keyId: KEY_ID,
      baseUrl: BASE_URL,
      fetch: stub.fetch,
    });
    await Promise.all(Array.from({ length: 10 }, () => paymux.whoami()));
    expect(new Set(stub.sent.map(bearer)).size).toBe(1);
  });

  it('are dropped after a 401, so the next call signs afresh', async () => {
    const stub = stubFetch([
      () =>
        Response.json(
          { code: 'invalid_token', status: 401, detail: 'The token has expired.' },
          { status: 401 },
        ),
    ]);
    const paymux = new Paymux({
      privateKey: es256.privateJwk,
      keyId: KEY_ID,
      baseUrl: BASE_URL,
      fetch: stub.fetch,
    });
    await expect(paymux.whoami()).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      retryable: false,
    });
    await paymux.whoami();
    expect(stub.sent).toHaveLength(2);
    expect(bearer(stub.sent[1] as Sent)).not.toBe(bearer(stub.sent[0] as Sent));
  });
});

describe('requests', () => {
  const client = (stub: ReturnType<typeof stubFetch>, baseUrl = BASE_URL) =>
    new Paymux({ privateKey: es256.privateJwk, keyId: KEY_ID, baseUrl, fetch: stub.fetch });

  it('send filters as query parameters: Dates as ISO strings, undefined left out', async () => {
    const stub = stubFetch();
    await client(stub).payments.list({
      limit: 5,
      status: 'succeeded',
      created_gte: new Date('2026-11-01T00:00:00Z'),
      created_lt: '2026-11-02T00:00:00+08:00',
      starting_after: undefined,
    });
    const url = (stub.sent[0] as Sent).url;
    expect(url.pathname).toBe('/v1/payments');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      limit: '5',
      status: 'succeeded',
      created_gte: '2026-11-01T00:00:00.000Z',
      created_lt: '2026-11-02T00:00:00+08:00',
    });
  });

  it('keep a base URL path prefix and encode ids as one path segment', async () => {
    const stub = stubFetch();
    await client(stub, 'http://gateway.test/paymux/').refunds.retrieve('rfd_1/../x?y');
    expect((stub.sent[0] as Sent).url.href).toBe('http://gateway.test/paymux/v1/refunds/rfd_1%2F..%2Fx%3Fy');
  });

  it('refuse an empty id instead of silently calling the list endpoint', () => {
    expect(() => client(stubFetch()).payments.retrieve('')).toThrow(TypeError);
  });

  it('send JSON bodies with a content type, a User-Agent naming the SDK, and no Idempotency-Key on GET', async () => {
    const stub = stubFetch();
    const paymux = client(stub);
    await paymux.payments.create({
      amount: 100,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: 'Tea',
      merchant_order_id: 'o-1',
    });
    await paymux.payments.retrieve('pay_1');
    const [post, get] = stub.sent as [Sent, Sent];
    expect(post.init.method).toBe('POST');
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.init.body as string)).toMatchObject({ amount: 100, channel: 'alipay.qr' });
    expect(post.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(post.headers['user-agent']).toBe(`paymux-node/${SDK_VERSION} node/${process.version}`);
    expect(get.headers['idempotency-key']).toBeUndefined();
    expect(get.headers['content-type']).toBeUndefined();
  });

  it('use a fresh Idempotency-Key per call, or the caller’s own', async () => {
    const stub = stubFetch();
    const paymux = client(stub);
    await paymux.payments.close('pay_1');
    await paymux.payments.close('pay_1');
    await paymux.payments.close('pay_1', { idempotencyKey: 'close-order-42' });
    const keys = stub.sent.map((s) => s.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(3);
    expect(keys[2]).toBe('close-order-42');
  });

  it('hit every documented route with the documented method', async () => {
    const stub = stubFetch();
    const p = client(stub);
    const calls: Array<[() => Promise<unknown>, string, string]> = [
      [() => p.whoami(), 'GET', '/v1/whoami'],
      [() => p.merchantAccounts.verify('mca_1'), 'POST', '/v1/merchant_accounts/mca_1/verify'],
      [() => p.payments.close('pay_1'), 'POST', '/v1/payments/pay_1/close'],
      [() => p.refunds.create({ payment: 'pay_1', amount: 50 }), 'POST', '/v1/refunds'],
      [() => p.refunds.list({ payment: 'pay_1' }), 'GET', '/v1/refunds'],
      [() => p.events.list({ type: 'payment.succeeded' }), 'GET', '/v1/events'],
      [() => p.events.retrieve('evt_1'), 'GET', '/v1/events/evt_1'],
      [() => p.webhookEndpoints.create({ url: 'https://x.test/h' }), 'POST', '/v1/webhook_endpoints'],
      [() => p.webhookEndpoints.list(), 'GET', '/v1/webhook_endpoints'],
      [() => p.webhookEndpoints.retrieve('whe_1'), 'GET', '/v1/webhook_endpoints/whe_1'],
      [
        () => p.webhookEndpoints.update('whe_1', { status: 'disabled' }),
        'PATCH',
        '/v1/webhook_endpoints/whe_1',
      ],
      [() => p.webhookEndpoints.delete('whe_1'), 'DELETE', '/v1/webhook_endpoints/whe_1'],
      [() => p.webhookEndpoints.rotateSecret('whe_1'), 'POST', '/v1/webhook_endpoints/whe_1/rotate_secret'],
      [() => p.webhookEndpoints.test('whe_1'), 'POST', '/v1/webhook_endpoints/whe_1/test'],
      [
        () => p.webhookEndpoints.replay('whe_1', { since: '2026-11-01T00:00:00Z' }),
        'POST',
        '/v1/webhook_endpoints/whe_1/replay',
      ],
      [() => p.deliveries.list({ status: 'failed' }), 'GET', '/v1/deliveries'],
      [() => p.deliveries.retrieve('dlv_1'), 'GET', '/v1/deliveries/dlv_1'],
      [() => p.deliveries.retry('dlv_1'), 'POST', '/v1/deliveries/dlv_1/retry'],
      [() => p.reconciliationReports.list(), 'GET', '/v1/reconciliation_reports'],
      [() => p.reconciliationReports.retrieve('rec_1'), 'GET', '/v1/reconciliation_reports/rec_1'],
      [() => p.testHelpers.payments.pay('pay_1'), 'POST', '/v1/test_helpers/payments/pay_1/pay'],
      [() => p.testHelpers.payments.fail('pay_1'), 'POST', '/v1/test_helpers/payments/pay_1/fail'],
    ];
    for (const [call] of calls) await call();
    expect(stub.sent.map((s) => [s.init.method, s.url.pathname])).toEqual(
      calls.map(([, m, path]) => [m, path]),
    );
    for (const s of stub.sent) {
      expect(s.headers['idempotency-key'] !== undefined).toBe(s.init.method === 'POST');
    }
  });

  it('send a replay range as ISO 8601 strings, leaving out an omitted `until`', async () => {
    const stub = stubFetch();
    const p = client(stub);
    await p.webhookEndpoints.replay('whe_1', {
      since: new Date('2026-11-01T00:00:00Z'),
      until: '2026-11-02T00:00:00+08:00',
    });
    await p.webhookEndpoints.replay('whe_1', { since: new Date('2026-11-01T00:00:00Z') });
    const bodies = stub.sent.map((s) => JSON.parse(s.init.body as string));
    expect(bodies).toEqual([
      { since: '2026-11-01T00:00:00.000Z', until: '2026-11-02T00:00:00+08:00' },
      { since: '2026-11-01T00:00:00.000Z' },
    ]);
  });

  it('filter webhook endpoints by status', async () => {
    const stub = stubFetch();
    await client(stub).webhookEndpoints.list({ status: 'disabled', limit: 3 });
    expect(Object.fromEntries((stub.sent[0] as Sent).url.searchParams)).toEqual({
      status: 'disabled',
      limit: '3',
    });
  });

  it('download a reconciliation report as CSV with Accept: text/csv', async () => {
    const csv = 'class,payment,amount\nmatched,pay_1,100\n';
    const stub = stubFetch([() => new Response(csv, { headers: { 'content-type': 'text/csv' } })]);
    expect(await client(stub).reconciliationReports.retrieveCsv('rec_1')).toBe(csv);
    expect((stub.sent[0] as Sent).headers.accept).toBe('text/csv');
  });

  it('walk every page with listAll, fetching the next page only when needed', async () => {
    const page = (ids: string[], has_more: boolean) => () =>
      Response.json({ object: 'list', data: ids.map((id) => ({ id, object: 'payment' })), has_more });
    const stub = stubFetch([
      page(['pay_5', 'pay_4'], true),
      page(['pay_3', 'pay_2'], true),
      page(['pay_1'], false),
    ]);
    const seen: string[] = [];
    for await (const payment of client(stub).payments.listAll({ limit: 2, status: 'succeeded' })) {
      seen.push(payment.id);
      if (seen.length === 2) expect(stub.sent).toHaveLength(1);
    }
    expect(seen).toEqual(['pay_5', 'pay_4', 'pay_3', 'pay_2', 'pay_1']);
    expect(stub.sent.map((s) => s.url.search)).toEqual([
      '?limit=2&status=succeeded',
      '?limit=2&status=succeeded&starting_after=pay_4',
      '?limit=2&status=succeeded&starting_after=pay_2',
    ]);
  });

  it('turn a non-JSON success into a PaymuxError, and a non-problem error body into http_<status>', async () => {
    const stub = stubFetch([
      () => new Response('<html>ok</html>', { status: 200 }),
      () =>
        new Response('<html>Forbidden by proxy</html>', {
          status: 403,
          headers: { 'request-id': 'req_proxy' },
        }),
    ]);
    const paymux = client(stub);
    await expect(paymux.whoami()).rejects.toMatchObject({ code: 'invalid_response', status: 200 });
    const error = await paymux.whoami().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymuxError);
    expect(error).toMatchObject({ status: 403, code: 'http_403', requestId: 'req_proxy', retryable: false });
    expect((error as Error).message).toContain('Forbidden by proxy');
  });
});

describe('package', () => {
  it('declares the version it sends in User-Agent', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.version).toBe(SDK_VERSION);
    expect(pkg.engines.node).toBe('>=20');
    expect(Object.keys(pkg.dependencies)).toEqual(['jose']);
  });
});
