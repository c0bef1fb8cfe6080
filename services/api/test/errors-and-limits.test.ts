import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  insertMerchantAccount,
  makeKey,
  makeTenant,
  mintToken,
  type TestKey,
  type TestTenant,
  testApp,
} from './support/fixtures.ts';

const MAX_BODY = 64 * 1024; // testApp's config.maxBodyBytes

let tdb: TestDatabase;
let app: ReturnType<typeof testApp>['app'];
let tenant: TestTenant;
let key: TestKey;

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = testApp(tdb).app;
  tenant = await makeTenant(tdb);
  key = await makeKey(tdb, tenant.id);
});
afterAll(() => tdb.close());

const authHeaders = async (k: TestKey = key) => ({ authorization: `Bearer ${await mintToken(k)}` });

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  errors?: Array<{ path: string; message: string }>;
}

async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = (await res.json()) as Problem;
  expect(body).toMatchObject({ status, code, type: `https://docs.paymux.dev/errors/${code}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toBe(res.headers.get('request-id'));
  return body;
}

describe('unknown routes', () => {
  it('answer 404 problem+json with code not_found and a request_id', async () => {
    const res = await app.request('/v1/no_such_thing');
    const problem = await expectProblem(res, 404, 'not_found');
    expect(problem.request_id).toMatch(/^req_[0-9a-z]{26}$/);
  });

  it('answer 404 for a known path with an unsupported method', async () => {
    await expectProblem(await app.request('/v1/whoami', { method: 'DELETE' }), 404, 'not_found');
  });
});

describe('Request-Id', () => {
  it('is on every response: success, auth failure, not found, health and metrics', async () => {
    const responses = [
      await app.request('/v1/whoami', { headers: await authHeaders() }),
      await app.request('/v1/whoami'),
      await app.request('/v1/whoami', { headers: { authorization: 'Bearer x.y.z' } }),
      await app.request('/nope'),
      await app.request('/healthz'),
      await app.request('/metrics'),
      await app.request('/openapi.json'),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 401, 401, 404, 200, 200, 200]);
    const ids = responses.map((r) => r.headers.get('request-id'));
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('echoes a sane incoming Request-Id (or X-Request-Id) in the header and the problem body', async () => {
    const sane = 'client-123_abc.DEF:9';
    const res = await app.request('/v1/whoami', { headers: { 'request-id': sane } });
    expect(res.headers.get('request-id')).toBe(sane);
    expect(((await res.json()) as Problem).request_id).toBe(sane);
    const viaX = await app.request('/healthz', { headers: { 'x-request-id': 'from-proxy-1' } });
    expect(viaX.headers.get('request-id')).toBe('from-proxy-1');
  });

  it('replaces an unsafe incoming Request-Id', async () => {
    for (const unsafe of ['has spaces in it', 'x'.repeat(200), 'a"b', 'line\u00e9', '<script>', '']) {
      const res = await app.request('/nope', { headers: { 'request-id': unsafe } });
      const id = res.headers.get('request-id');
      expect(id, JSON.stringify(unsafe)).toMatch(/^req_[0-9a-z]{26}$/);
      expect(((await res.json()) as Problem).request_id).toBe(id);
    }
  });
});

describe('body size limit', () => {
  it('answers 413 problem+json payload_too_large for a declared Content-Length over the limit', async () => {
    const body = 'x'.repeat(MAX_BODY + 1);
    const res = await app.request('/v1/whoami', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    });
    const problem = await expectProblem(res, 413, 'payload_too_large');
    expect(problem.detail).toContain(String(MAX_BODY));
  });

  it('answers 413 before authentication, so an unauthenticated flood is cut off early', async () => {
    const body = 'x'.repeat(MAX_BODY * 4);
    const res = await app.request('/v1/merchant_accounts', {
      method: 'POST',
      headers: { 'content-length': String(body.length) },
      body,
    });
    await expectProblem(res, 413, 'payload_too_large');
  });

  it('answers 413 for a streamed body without Content-Length once it passes the limit', async () => {
    const chunk = new Uint8Array(16 * 1024).fill(120);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Far more than the limit: the server must stop reading, not buffer it all.
        if (sent >= MAX_BODY * 64) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request('http://localhost/v1/whoami', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(request.headers.has('content-length')).toBe(false);
    await expectProblem(await app.request(request), 413, 'payload_too_large');
    expect(sent).toBeLessThan(MAX_BODY * 64);
  });

  it('lets a body at exactly the limit through, with or without Content-Length (control)', async () => {
    const body = 'x'.repeat(MAX_BODY);
    // POST /v1/whoami has no handler, so getting past the limit means a 404.
    const declared = await app.request('/v1/whoami', {
      method: 'POST',
      headers: { 'content-length': String(body.length) },
      body,
    });
    await expectProblem(declared, 404, 'not_found');
    const streamed = new Request('http://localhost/v1/whoami', {
      method: 'POST',
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    await expectProblem(await app.request(streamed), 404, 'not_found');
  });
});

describe('GET /v1/merchant_accounts query validation', () => {
  it('refuses an unknown query parameter with 400 validation_failed and field errors', async () => {
    const res = await app.request('/v1/merchant_accounts?status=active', { headers: await authHeaders() });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors).toEqual([{ path: 'status', message: 'unknown field' }]);
  });

  it.each([
    ['0', 'limit'],
    ['1000', 'limit'],
    ['101', 'limit'],
    ['-1', 'limit'],
    ['1.5', 'limit'],
    ['abc', 'limit'],
  ])('refuses limit=%s with 400 naming the field', async (limit, path) => {
    const res = await app.request(`/v1/merchant_accounts?limit=${limit}`, { headers: await authHeaders() });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it('refuses a starting_after that is not a merchant account id', async () => {
    const res = await app.request('/v1/merchant_accounts?starting_after=pay_00000000000000000000000000', {
      headers: await authHeaders(),
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain('starting_after');
  });

  it('refuses an unknown provider filter', async () => {
    const res = await app.request('/v1/merchant_accounts?provider=paypal', { headers: await authHeaders() });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain('provider');
  });

  it('accepts limit=1 and limit=100 (control)', async () => {
    for (const limit of [1, 100]) {
      const res = await app.request(`/v1/merchant_accounts?limit=${limit}`, { headers: await authHeaders() });
      expect(res.status).toBe(200);
    }
  });
});

describe('GET /v1/merchant_accounts pagination', () => {
  it('answers an empty list for a tenant without accounts', async () => {
    const lonely = await makeTenant(tdb, 'Lonely');
    const lonelyKey = await makeKey(tdb, lonely.id);
    const res = await app.request('/v1/merchant_accounts', { headers: await authHeaders(lonelyKey) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ object: 'list', data: [], has_more: false });
  });

  it("pages through the key's mode in id-descending order and never shows the other mode or tenant", async () => {
    const owner = await makeTenant(tdb, 'Pager');
    const testKey = await makeKey(tdb, owner.id, { mode: 'test' });
    const liveKey = await makeKey(tdb, owner.id, { mode: 'live' });
    const other = await makeTenant(tdb, 'Other');
    const testIds: string[] = [];
    const liveIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      testIds.push(await insertMerchantAccount(tdb, owner.id, 'test'));
      liveIds.push(await insertMerchantAccount(tdb, owner.id, 'live'));
      await insertMerchantAccount(tdb, other.id, 'test');
    }
    const expectedTest = [...testIds].sort().reverse();
    const expectedLive = [...liveIds].sort().reverse();

    const pages: Array<{ ids: string[]; has_more: boolean }> = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const qs = new URLSearchParams({ limit: '2', ...(cursor ? { starting_after: cursor } : {}) });
      const res = await app.request(`/v1/merchant_accounts?${qs}`, { headers: await authHeaders(testKey) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        object: string;
        data: Array<{ id: string; livemode: boolean; object: string }>;
        has_more: boolean;
      };
      expect(body.object).toBe('list');
      for (const account of body.data)
        expect(account).toMatchObject({ object: 'merchant_account', livemode: false });
      pages.push({ ids: body.data.map((a) => a.id), has_more: body.has_more });
      if (!body.has_more) break;
      cursor = body.data.at(-1)?.id;
    }
    expect(pages).toEqual([
      { ids: expectedTest.slice(0, 2), has_more: true },
      { ids: expectedTest.slice(2, 4), has_more: true },
      { ids: expectedTest.slice(4), has_more: false },
    ]);

    // A page that ends exactly at the last row says has_more: false.
    const exact = await app.request(`/v1/merchant_accounts?limit=5`, { headers: await authHeaders(testKey) });
    expect(await exact.json()).toMatchObject({ has_more: false });
    expect(
      (
        (await (
          await app.request('/v1/merchant_accounts?limit=4', { headers: await authHeaders(testKey) })
        ).json()) as { has_more: boolean }
      ).has_more,
    ).toBe(true);

    const live = await app.request('/v1/merchant_accounts?limit=100', {
      headers: await authHeaders(liveKey),
    });
    const liveBody = (await live.json()) as {
      data: Array<{ id: string; livemode: boolean }>;
      has_more: boolean;
    };
    expect(liveBody.data.map((a) => a.id)).toEqual(expectedLive);
    expect(liveBody.data.every((a) => a.livemode)).toBe(true);
    expect(liveBody.has_more).toBe(false);

    // A cursor from the other mode does not leak its rows either.
    const crossCursor = await app.request(`/v1/merchant_accounts?starting_after=${expectedLive[0]}`, {
      headers: await authHeaders(testKey),
    });
    const crossIds = ((await crossCursor.json()) as { data: Array<{ id: string }> }).data.map((a) => a.id);
    for (const id of crossIds) expect(testIds).toContain(id);
  });
});
