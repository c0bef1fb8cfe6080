import { PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { testAlipayCredentials } from '@paymux/providers/testing';
import type { KeyProvider } from '@paymux/vault';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppEnv } from '../src/deps.ts';
import { normalizeError, problemResponse } from '../src/errors/problem-response.ts';
import { canonicalJson, idempotent, requestFingerprint } from '../src/idempotency/index.ts';
import { requestId } from '../src/middleware/request-id.ts';
import { makeKey, makeTenant, mintToken, TEST_VAULT, type TestKey, testApp } from './support/fixtures.ts';

interface Problem {
  status: number;
  code: string;
  detail: string;
  request_id: string;
}

const PATH = '/v1/merchant_accounts';

let tdb: TestDatabase;
let app: ReturnType<typeof testApp>['app'];
let tenantId: string;
let testKey: TestKey;
let liveKey: TestKey;
let otherTenantKey: TestKey;
let keyCounter = 0;
// Generating RSA keys is slow and each call differs: one set serves every body here.
let credentials: Record<string, string>;

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = testApp(tdb).app;
  credentials = { ...testAlipayCredentials() };
  const tenant = await makeTenant(tdb, 'Idempotency');
  tenantId = tenant.id;
  testKey = await makeKey(tdb, tenantId);
  liveKey = await makeKey(tdb, tenantId, { mode: 'live' });
  const other = await makeTenant(tdb, 'Someone else');
  otherTenantKey = await makeKey(tdb, other.id);
});
afterAll(() => tdb.close());

/** A fresh Idempotency-Key per use, as a client would generate. */
/** A promise and the function that resolves it. */
function latch(): [Promise<void>, () => void] {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return [promise, open];
}

function newKey(): string {
  keyCounter += 1;
  return `idem-${Date.now()}-${keyCounter}`;
}

function accountBody(displayName: string): Record<string, unknown> {
  return { provider: 'alipay', display_name: displayName, credentials };
}

interface PostOptions {
  readonly key?: string;
  readonly as?: TestKey;
  readonly requestId?: string;
  readonly contentType?: string;
  readonly target?: typeof app;
}

/** POSTs `body` (a string is sent as is; anything else as compact JSON). */
async function post(path: string, body: unknown, options: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await mintToken(options.as ?? testKey)}`,
    'content-type': options.contentType ?? 'application/json',
  };
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  if (options.requestId !== undefined) headers['request-id'] = options.requestId;
  const text = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  return await (options.target ?? app).request(path, {
    method: 'POST',
    headers,
    ...(text !== undefined ? { body: text } : {}),
  });
}

async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const problem = (await res.json()) as Problem;
  expect(problem).toMatchObject({ status, code });
  return problem;
}

async function accountsNamed(displayName: string): Promise<number> {
  const r = await sql<{ n: string }>`
    select count(*)::text as n from merchant_accounts where display_name = ${displayName}
  `.execute(tdb.owner);
  return Number(r.rows[0]?.n);
}

interface IdempotencyRow {
  tenant_id: string;
  mode: string;
  status: string;
  request_path: string;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  locked_until: Date | null;
  created_at: Date;
}

async function records(key: string): Promise<IdempotencyRow[]> {
  return (await tdb.owner
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('key', '=', key)
    .orderBy('mode')
    .execute()) as IdempotencyRow[];
}

/** The row a process that died mid-request would leave behind. */
async function insertInProgress(key: string, body: string, lockedUntil: 'past' | 'future'): Promise<void> {
  const hash = requestFingerprint('POST', PATH, new TextEncoder().encode(body));
  await sql`
    insert into idempotency_keys (tenant_id, mode, key, request_method, request_path, request_hash, status, locked_until, created_at)
    values (${tenantId}, 'test', ${key}, 'POST', ${PATH}, ${hash}, 'in_progress',
      ${lockedUntil === 'past' ? sql`now() - interval '5 seconds'` : sql`now() + interval '60 seconds'`},
      now() - interval '2 minutes')
  `.execute(tdb.owner);
}

describe('request fingerprint', () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it('ignores key order and whitespace in JSON, not values, paths or methods', () => {
    const a = requestFingerprint('POST', PATH, enc('{"a":1,"b":{"y":[1,{"q":2,"p":1}],"x":null}}'));
    const b = requestFingerprint(
      'POST',
      PATH,
      enc(' {\n "b": {"x": null, "y": [1, {"p": 1, "q": 2}]},\n "a": 1 }\n'),
    );
    expect(b).toBe(a);
    expect(requestFingerprint('POST', PATH, enc('{"a":2,"b":{"y":[1,{"q":2,"p":1}],"x":null}}'))).not.toBe(a);
    // Array order is meaning, not formatting.
    expect(requestFingerprint('POST', PATH, enc('{"a":1,"b":{"y":[{"q":2,"p":1},1],"x":null}}'))).not.toBe(a);
    expect(
      requestFingerprint('POST', `${PATH}/x`, enc('{"a":1,"b":{"y":[1,{"q":2,"p":1}],"x":null}}')),
    ).not.toBe(a);
    expect(requestFingerprint('PATCH', PATH, enc('{"a":1,"b":{"y":[1,{"q":2,"p":1}],"x":null}}'))).not.toBe(
      a,
    );
  });

  it('hashes non-JSON and empty bodies by their bytes, distinct from any JSON body', () => {
    expect(requestFingerprint('POST', PATH, enc('a=1&b=2'))).toBe(
      requestFingerprint('POST', PATH, enc('a=1&b=2')),
    );
    expect(requestFingerprint('POST', PATH, enc('a=1&b=2'))).not.toBe(
      requestFingerprint('POST', PATH, enc('b=2&a=1')),
    );
    expect(requestFingerprint('POST', PATH, enc(''))).not.toBe(requestFingerprint('POST', PATH, enc('""')));
    expect(requestFingerprint('POST', PATH, enc('{"a":'))).not.toBe(
      requestFingerprint('POST', PATH, enc('{"a": ')),
    );
    // Not UTF-8: raw bytes, no decoding surprises.
    expect(requestFingerprint('POST', PATH, new Uint8Array([0xff, 0x22]))).not.toBe(
      requestFingerprint('POST', PATH, new Uint8Array([0xfe, 0x22])),
    );
  });

  it('keeps a "__proto__" key as data', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });
});

describe('POST /v1/merchant_accounts with an Idempotency-Key', () => {
  it('replays the first response byte for byte to the same key and body, creating one account', async () => {
    const key = newKey();
    const body = accountBody('Replay shop');
    const first = await post(PATH, body, { key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstText = await first.text();

    const second = await post(PATH, body, { key });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await second.text()).toBe(firstText);
    expect(await accountsNamed('Replay shop')).toBe(1);

    const [row] = await records(key);
    expect(row).toMatchObject({
      tenant_id: tenantId,
      mode: 'test',
      status: 'completed',
      response_status: 201,
    });
    expect(row?.locked_until).toBeNull();
    expect(row?.response_body).toBe(firstText);
  });

  it('treats the same JSON with keys reordered and other whitespace as the same request', async () => {
    const key = newKey();
    const first = await post(
      PATH,
      { provider: 'alipay', display_name: 'Reordered shop', credentials },
      { key },
    );
    expect(first.status).toBe(201);
    const reversedCredentials = Object.fromEntries(Object.entries(credentials).reverse());
    const reordered = JSON.stringify(
      { credentials: reversedCredentials, display_name: 'Reordered shop', provider: 'alipay' },
      null,
      3,
    );
    const second = await post(PATH, `\n${reordered}\n`, { key });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.text()).toBe(await first.text());
    expect(await accountsNamed('Reordered shop')).toBe(1);
  });

  it('hands the route the body it read, without decoding it again through a web Response', async () => {
    // Hono's c.req.json() reads the cached text; the middleware read the bytes, so without
    // the text cached too Hono rebuilds it from them through `new Response(bytes).text()`.
    const text = vi.spyOn(Response.prototype, 'text');
    try {
      const res = await post(PATH, accountBody('Read once shop'), { key: newKey() });
      expect(res.status).toBe(201);
      expect(text).not.toHaveBeenCalled();
    } finally {
      text.mockRestore();
    }
    expect(await accountsNamed('Read once shop')).toBe(1);
  });

  it('refuses the same key with a different body (422) and creates nothing', async () => {
    const key = newKey();
    expect((await post(PATH, accountBody('Body A shop'), { key })).status).toBe(201);
    const problem = await expectProblem(
      await post(PATH, accountBody('Body B shop'), { key }),
      422,
      'idempotency_key_reused',
    );
    expect(problem.detail).toContain('Idempotency-Key');
    expect(await accountsNamed('Body B shop')).toBe(0);
    expect(await accountsNamed('Body A shop')).toBe(1);
    // The original is still what the key answers.
    const again = await post(PATH, accountBody('Body A shop'), { key });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses the same key on another path (422)', async () => {
    const key = newKey();
    const created = await post(PATH, accountBody('Path shop'), { key });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await expectProblem(
      await post(`${PATH}/${id}/verify`, undefined, { key }),
      422,
      'idempotency_key_reused',
    );
    const [row] = await records(key);
    expect(row).toMatchObject({ request_path: PATH, status: 'completed' });
  });

  it('runs requests without a key normally and records nothing', async () => {
    const before = await tdb.owner
      .selectFrom('idempotency_keys')
      .select(sql<string>`count(*)::text`.as('n'))
      .execute();
    expect((await post(PATH, accountBody('Keyless shop'))).status).toBe(201);
    const second = await post(PATH, accountBody('Keyless shop'));
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(await accountsNamed('Keyless shop')).toBe(2);
    const after = await tdb.owner
      .selectFrom('idempotency_keys')
      .select(sql<string>`count(*)::text`.as('n'))
      .execute();
    expect(after).toEqual(before);
  });

  it('refuses an empty, overlong or non-ASCII key with 400 naming the header, before doing anything', async () => {
    for (const key of ['', 'k'.repeat(256), 'clé-é', 'tab\there']) {
      const problem = await expectProblem(
        await post(PATH, accountBody('Bad key shop'), { key }),
        400,
        'invalid_request',
      );
      expect(problem.detail).toContain('Idempotency-Key');
    }
    expect(await accountsNamed('Bad key shop')).toBe(0);
    // The bounds are inclusive: 255 printable characters, spaces included, are a key.
    const longest = `k${' ~'.repeat(127)}`;
    expect(longest).toHaveLength(255);
    expect((await post(PATH, accountBody('Longest key shop'), { key: longest })).status).toBe(201);
    expect(await records(longest)).toHaveLength(1);
  });

  it('forgets a request refused by validation, so the key works with a corrected body', async () => {
    const key = newKey();
    const bad = { provider: 'alipay', credentials };
    await expectProblem(await post(PATH, bad, { key }), 400, 'validation_failed');
    expect(await records(key)).toHaveLength(0);

    const good = await post(PATH, accountBody('Fixed shop'), { key });
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotent-replayed')).toBeNull();
    const replay = await post(PATH, accountBody('Fixed shop'), { key });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(await good.text());
    expect(await accountsNamed('Fixed shop')).toBe(1);
  });

  it('forgets malformed JSON, an unsupported content type and credentials the handler refuses', async () => {
    const key = newKey();
    await expectProblem(await post(PATH, '{"provider": "alipay",', { key }), 400, 'invalid_json');
    expect(await records(key)).toHaveLength(0);

    await expectProblem(
      await post(PATH, JSON.stringify(accountBody('Text shop')), { key, contentType: 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    expect(await records(key)).toHaveLength(0);

    // Passes the route's schema; the operation itself refuses the key material (a throw
    // from inside the handler, rendered by onError).
    const unusable = {
      ...accountBody('Bad credentials shop'),
      credentials: { ...testAlipayCredentials(), app_private_key: 'not a key' },
    };
    await expectProblem(await post(PATH, unusable, { key }), 400, 'validation_failed');
    expect(await records(key)).toHaveLength(0);

    expect((await post(PATH, accountBody('Text shop'), { key })).status).toBe(201);
    expect(await accountsNamed('Bad credentials shop')).toBe(0);
  });

  it('stores a 5xx thrown by the handler and replays it rather than running again', async () => {
    const failingVault: KeyProvider = {
      activeKeyId: TEST_VAULT.activeKeyId,
      wrap: () => Promise.reject(new Error('KMS unreachable')),
      unwrap: (wrapped, keyId, context) => TEST_VAULT.unwrap(wrapped, keyId, context),
      canUnwrap: (keyId) => TEST_VAULT.canUnwrap(keyId),
    };
    const broken = testApp(tdb, { vault: failingVault }).app;
    const key = newKey();
    const first = await post(PATH, accountBody('Broken vault shop'), { key, target: broken });
    expect(first.status).toBeGreaterThanOrEqual(500);
    const firstText = await first.text();
    const [row] = await records(key);
    expect(row).toMatchObject({
      status: 'completed',
      response_status: first.status,
      response_body: firstText,
    });

    // Even on a healthy app the key answers what it answered first.
    const replay = await post(PATH, accountBody('Broken vault shop'), { key });
    expect(replay.status).toBe(first.status);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('content-type')).toContain('application/problem+json');
    expect(await replay.text()).toBe(firstText);
    expect(await accountsNamed('Broken vault shop')).toBe(0);
  });

  it('releases the key on a retryable refusal (503 provider_unavailable), so the retry runs again', async () => {
    // The test app reaches no provider: creating a payment records it with no next_action,
    // and closing it cannot reach the provider (503 provider_unavailable, nothing changed).
    await post(PATH, accountBody('Close target shop'));
    const created = await post('/v1/payments', {
      amount: 100,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: 'to close',
      merchant_order_id: `close-${newKey()}`,
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as { id: string };
    const key = newKey();
    const first = await post(`/v1/payments/${payment.id}/close`, undefined, { key });
    await expectProblem(first, 503, 'provider_unavailable');
    expect(await records(key)).toHaveLength(0);
    // The same key runs again (not a replay) and is refused again for the same reason.
    const retry = await post(`/v1/payments/${payment.id}/close`, undefined, { key });
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    await expectProblem(retry, 503, 'provider_unavailable');
  });

  it('stores a 4xx the handler answers (not found) and replays it', async () => {
    const key = newKey();
    const path = `${PATH}/mca_0000000000000000000000000a/verify`;
    const first = await post(path, undefined, { key });
    await expectProblem(first.clone(), 404, 'not_found');
    const replay = await post(path, undefined, { key });
    expect(replay.status).toBe(404);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(await first.text());
  });

  it('makes POST /v1/merchant_accounts/{id}/verify idempotent too', async () => {
    const created = await post(PATH, accountBody('Verify shop'));
    const { id } = (await created.json()) as { id: string };
    const key = newKey();
    const first = await post(`${PATH}/${id}/verify`, undefined, { key });
    expect(first.status).toBe(200);
    const replay = await post(`${PATH}/${id}/verify`, undefined, { key });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(await first.text());
  });
});

describe('abandoned and expired records', () => {
  it('takes over a key whose request died (lock run out) and completes it', async () => {
    const key = newKey();
    const body = JSON.stringify(accountBody('Takeover shop'));
    await insertInProgress(key, body, 'past');
    const res = await post(PATH, body, { key });
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    const [row] = await records(key);
    expect(row).toMatchObject({ status: 'completed', response_status: 201, response_body: await res.text() });
    expect(await accountsNamed('Takeover shop')).toBe(1);
  });

  it('answers 409 while the abandoned request’s lock still holds', async () => {
    const key = newKey();
    const body = JSON.stringify(accountBody('Locked shop'));
    await insertInProgress(key, body, 'future');
    const res = await post(PATH, body, { key });
    await expectProblem(res.clone(), 409, 'idempotency_key_in_use');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await accountsNamed('Locked shop')).toBe(0);
    const [row] = await records(key);
    expect(row?.status).toBe('in_progress');
  });

  it('still refuses a different body for an abandoned key (422 before takeover)', async () => {
    const key = newKey();
    await insertInProgress(key, JSON.stringify(accountBody('Abandoned shop')), 'past');
    await expectProblem(await post(PATH, accountBody('Other shop'), { key }), 422, 'idempotency_key_reused');
    expect(await accountsNamed('Other shop')).toBe(0);
  });

  it('does not replay a record older than 24 h: the request runs again, even with another body', async () => {
    const key = newKey();
    const first = await post(PATH, accountBody('Expiring shop'), { key });
    expect(first.status).toBe(201);
    const { id: firstId } = (await first.json()) as { id: string };
    await sql`update idempotency_keys set created_at = now() - interval '24 hours 1 minute' where key = ${key}`.execute(
      tdb.owner,
    );

    const again = await post(PATH, accountBody('Expiring shop'), { key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const againText = await again.text();
    expect((JSON.parse(againText) as { id: string }).id).not.toBe(firstId);
    expect(await accountsNamed('Expiring shop')).toBe(2);
    const [row] = await records(key);
    expect(row?.response_body).toBe(againText);
    expect(Date.now() - (row?.created_at.getTime() ?? 0)).toBeLessThan(60_000);

    await sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`.execute(
      tdb.owner,
    );
    expect((await post(PATH, accountBody('Renamed expiring shop'), { key })).status).toBe(201);
    expect(await accountsNamed('Renamed expiring shop')).toBe(1);
  });

  it('still replays a record just under 24 h old', async () => {
    const key = newKey();
    const first = await post(PATH, accountBody('Old but kept shop'), { key });
    await sql`update idempotency_keys set created_at = now() - interval '23 hours 59 minutes' where key = ${key}`.execute(
      tdb.owner,
    );
    const replay = await post(PATH, accountBody('Old but kept shop'), { key });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(await first.text());
  });
});

describe('scope and request ids', () => {
  it('scopes keys per tenant and per mode', async () => {
    const key = newKey();
    const body = accountBody('Scoped shop');
    const mine = await post(PATH, body, { key });
    const theirs = await post(PATH, body, { key, as: otherTenantKey });
    const myLive = await post(PATH, body, { key, as: liveKey });
    const responses = [mine, theirs, myLive];
    for (const res of responses) {
      expect(res.status).toBe(201);
      expect(res.headers.get('idempotent-replayed')).toBeNull();
    }
    const ids = await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id));
    expect(new Set(ids).size).toBe(3);
    expect(await accountsNamed('Scoped shop')).toBe(3);
    expect(await records(key)).toHaveLength(3);

    // Each scope replays its own first response.
    const theirReplay = await post(PATH, body, { key, as: otherTenantKey });
    expect(theirReplay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await theirReplay.json()) as { id: string }).id).toBe(ids[1]);
    const liveReplay = await post(PATH, body, { key, as: liveKey });
    expect(((await liveReplay.json()) as { id: string }).id).toBe(ids[2]);
  });

  it('answers a replay under the new request’s Request-Id', async () => {
    const key = newKey();
    const body = accountBody('Request id shop');
    const first = await post(PATH, body, { key, requestId: 'req-first-1' });
    expect(first.headers.get('request-id')).toBe('req-first-1');
    const replay = await post(PATH, body, { key, requestId: 'req-second-2' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('request-id')).toBe('req-second-2');
    expect(await replay.text()).toBe(await first.text());

    // Generated ids too, and on the refusals the key causes.
    const generated = await post(PATH, body, { key });
    expect(generated.headers.get('request-id')).toMatch(/^req_/);
    const reused = await post(PATH, accountBody('Request id shop 2'), { key, requestId: 'req-third-3' });
    expect(reused.headers.get('request-id')).toBe('req-third-3');
    expect((await expectProblem(reused, 422, 'idempotency_key_reused')).request_id).toBe('req-third-3');
  });
});

describe('the middleware on its own', () => {
  const logger = pino({ level: 'silent' });

  /** A bare app: request ids, problem rendering, a fixed identity, then the route. */
  function bareApp(register: (app: Hono<AppEnv>) => void): Hono<AppEnv> {
    const bare = new Hono<AppEnv>();
    bare.use('*', requestId);
    bare.use('*', async (c, next) => {
      c.set('auth', { tenantId, keyId: 'key_test', mode: 'test', scopes: [] });
      await next();
    });
    bare.onError((error, c) => problemResponse(c, normalizeError(error, logger, c.get('requestId'))));
    register(bare);
    return bare;
  }

  const send = (target: Hono<AppEnv>, path: string, key: string) =>
    target.request(path, { method: 'POST', headers: { 'idempotency-key': key } });

  it('keeps a response too large to store as completed, and answers its replay with 409 conflict', async () => {
    let runs = 0;
    const bare = bareApp((a) =>
      a.post('/big', idempotent({ db: tdb.db, logger }, { maxStoredBodyBytes: 1024 }), (c) => {
        runs += 1;
        return c.json({ data: 'x'.repeat(2048) }, 201);
      }),
    );
    const key = newKey();
    expect((await send(bare, '/big', key)).status).toBe(201);
    const [row] = await records(key);
    expect(row).toMatchObject({ status: 'completed', response_status: 201, response_body: null });
    await expectProblem(await send(bare, '/big', key), 409, 'conflict');
    expect(runs).toBe(1);
  });

  it('replays a 204 without a body', async () => {
    const bare = bareApp((a) =>
      a.post('/empty', idempotent({ db: tdb.db, logger }), (c) => c.body(null, 204)),
    );
    const key = newKey();
    expect((await send(bare, '/empty', key)).status).toBe(204);
    const replay = await send(bare, '/empty', key);
    expect(replay.status).toBe(204);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe('');
  });

  it('stores the Location header and replays it', async () => {
    const bare = bareApp((a) =>
      a.post('/located', idempotent({ db: tdb.db, logger }), (c) => {
        c.header('location', '/v1/things/1');
        c.header('x-not-kept', 'no');
        return c.json({ ok: true }, 201);
      }),
    );
    const key = newKey();
    await send(bare, '/located', key);
    const replay = await send(bare, '/located', key);
    expect(replay.headers.get('location')).toBe('/v1/things/1');
    expect(replay.headers.get('x-not-kept')).toBeNull();
  });

  it('releases the key when the handler throws something that is not an Error', async () => {
    const bare = bareApp((a) =>
      a.post('/odd', idempotent({ db: tdb.db, logger }), () => {
        throw 'not an Error';
      }),
    );
    const key = newKey();
    await expect(send(bare, '/odd', key)).rejects.toBe('not an Error');
    expect(await records(key)).toHaveLength(0);
  });

  describe('a handler storing the outcome in its own transaction (IdempotencyHandle)', () => {
    class RolledBack extends Error {}

    it('commits the outcome with the handler’s write and answers exactly the stored bytes', async () => {
      let runs = 0;
      const bare = bareApp((a) =>
        a.post('/staged', idempotent({ db: tdb.db, logger }), async (c) => {
          runs += 1;
          const idem = c.get('idempotency');
          const view = { run: runs, text: '支付 ☕' };
          await withTenant(tdb.db, tenantId, async (trx) => {
            await idem?.stage(trx, 201, view);
          });
          return idem ? idem.respond(c.json(view, 201)) : c.json(view, 201);
        }),
      );
      const key = newKey();
      const first = await send(bare, '/staged', key);
      const text = await first.text();
      const [row] = await records(key);
      expect(row).toMatchObject({ status: 'completed', response_status: 201, response_body: text });
      const replay = await send(bare, '/staged', key);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await replay.text()).toBe(text);
      expect(runs).toBe(1);
    });

    it('falls back to the middleware when the staging transaction rolled back', async () => {
      const bare = bareApp((a) =>
        a.post('/rolled-back', idempotent({ db: tdb.db, logger }), async (c) => {
          const idem = c.get('idempotency');
          await withTenant(tdb.db, tenantId, async (trx) => {
            await idem?.stage(trx, 201, { never: 'committed' });
            throw new RolledBack('after staging');
          }).catch((error: unknown) => {
            if (!(error instanceof RolledBack)) throw error;
          });
          return c.json({ answered: 'instead' }, 200);
        }),
      );
      const key = newKey();
      const res = await send(bare, '/rolled-back', key);
      expect(await res.json()).toEqual({ answered: 'instead' });
      const [row] = await records(key);
      expect(row).toMatchObject({ status: 'completed', response_status: 200 });
      expect(JSON.parse(String(row?.response_body))).toEqual({ answered: 'instead' });
    });

    it('refuses to mark settled with a response other than the staged one', async () => {
      const bare = bareApp((a) =>
        a.post('/mismatch', idempotent({ db: tdb.db, logger }), async (c) => {
          const idem = c.get('idempotency');
          await withTenant(
            tdb.db,
            tenantId,
            (trx) => idem?.stage(trx, 201, { ok: true }) ?? Promise.resolve(),
          );
          return idem ? idem.respond(c.json({ ok: true }, 200)) : c.json({ ok: true }, 200);
        }),
      );
      const res = await send(bare, '/mismatch', newKey());
      expect(res.status).toBe(500);
    });

    it('seals a staged response when the route asks for sealing', async () => {
      const bare = bareApp((a) =>
        a.post(
          '/sealed',
          idempotent({ db: tdb.db, logger, vault: TEST_VAULT }, { sealStoredResponse: true }),
          async (c) => {
            const idem = c.get('idempotency');
            const view = { secret: 'whsec_staged_secret' };
            await withTenant(tdb.db, tenantId, (trx) => idem?.stage(trx, 201, view) ?? Promise.resolve());
            return idem ? idem.respond(c.json(view, 201)) : c.json(view, 201);
          },
        ),
      );
      const key = newKey();
      const first = await send(bare, '/sealed', key);
      expect(await first.json()).toEqual({ secret: 'whsec_staged_secret' });
      const [row] = await records(key);
      expect(String(row?.response_body)).not.toContain('whsec_staged_secret');
      const replay = await send(bare, '/sealed', key);
      expect(await replay.json()).toEqual({ secret: 'whsec_staged_secret' });
    });
  });

  describe('a handler claiming the key in its own first transaction (claimInHandler)', () => {
    class Rollback extends Error {}
    const deferred = { claimInHandler: true } as const;

    it('claims in the handler’s transaction, so the claim commits with its first write; then replays', async () => {
      let runs = 0;
      const seen: Array<{ xid: string; keyXmin: string | undefined }> = [];
      const bare = bareApp((a) =>
        a.post('/claims', idempotent({ db: tdb.db, logger }, deferred), async (c) => {
          const idem = c.get('idempotency');
          const key = c.req.header('idempotency-key') ?? '';
          await withTenant(tdb.db, tenantId, async (trx) => {
            await idem?.claim(trx);
            runs += 1;
            const xid = await sql<{ xid: string }>`select pg_current_xact_id()::text as xid`.execute(trx);
            const row = await sql<{ xmin: string }>`
              select xmin::text from idempotency_keys where tenant_id = ${tenantId} and key = ${key}
            `.execute(trx);
            seen.push({ xid: String(xid.rows[0]?.xid), keyXmin: row.rows[0]?.xmin });
          });
          return c.json({ run: runs }, 201);
        }),
      );
      const key = newKey();
      const first = await send(bare, '/claims', key);
      expect(first.status).toBe(201);
      // The key's row was written by the handler's own transaction.
      expect(seen).toHaveLength(1);
      expect(seen[0]?.keyXmin).toBe(seen[0]?.xid);
      expect((await records(key))[0]).toMatchObject({ status: 'completed', response_status: 201 });
      const replay = await send(bare, '/claims', key);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await replay.json()).toEqual({ run: 1 });
      expect(runs).toBe(1);
    });

    it('refuses a duplicate inside its claim, before it writes anything, while the first runs', async () => {
      const [firstMayFinish, releaseFirst] = latch();
      const [firstClaimed, claimed] = latch();
      let effects = 0;
      const bare = bareApp((a) =>
        a.post('/held', idempotent({ db: tdb.db, logger }, deferred), async (c) => {
          const idem = c.get('idempotency');
          await withTenant(tdb.db, tenantId, async (trx) => {
            await idem?.claim(trx);
            effects += 1;
          });
          if (effects === 1) {
            claimed();
            await firstMayFinish;
          }
          return c.json({ ok: true }, 201);
        }),
      );
      const key = newKey();
      const first = send(bare, '/held', key);
      await firstClaimed;
      const duplicate = await send(bare, '/held', key);
      await expectProblem(duplicate, 409, 'idempotency_key_in_use');
      expect(duplicate.headers.get('retry-after')).toBe('1');
      expect(effects).toBe(1);
      releaseFirst();
      expect((await first).status).toBe(201);
      expect((await records(key))[0]).toMatchObject({ status: 'completed', response_status: 201 });
    });

    it('settles a handler that failed before claiming as if the key had been claimed first', async () => {
      let runs = 0;
      const bare = bareApp((a) =>
        a.post('/missing', idempotent({ db: tdb.db, logger }, deferred), () => {
          runs += 1;
          throw new PaymuxError('not_found', 'No such thing.');
        }),
      );
      const key = newKey();
      await expectProblem(await send(bare, '/missing', key), 404, 'not_found');
      expect((await records(key))[0]).toMatchObject({ status: 'completed', response_status: 404 });
      const replay = await send(bare, '/missing', key);
      expect(replay.status).toBe(404);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      // The handler runs up to its claim each time (it has no effect before it).
      expect(runs).toBe(2);
    });

    it('settles a claim whose transaction rolled back with the answer the handler gave', async () => {
      let runs = 0;
      const bare = bareApp((a) =>
        a.post('/rolls-back', idempotent({ db: tdb.db, logger }, deferred), async (c) => {
          const idem = c.get('idempotency');
          await withTenant(tdb.db, tenantId, async (trx) => {
            await idem?.claim(trx);
            runs += 1;
            throw new Rollback('after the claim');
          }).catch((error: unknown) => {
            if (error instanceof Rollback) throw new PaymuxError('conflict', 'Already there.');
            throw error;
          });
          return c.json({ never: true }, 201);
        }),
      );
      const key = newKey();
      await expectProblem(await send(bare, '/rolls-back', key), 409, 'conflict');
      expect((await records(key))[0]).toMatchObject({ status: 'completed', response_status: 409 });
      const replay = await send(bare, '/rolls-back', key);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(runs).toBe(1);
    });

    it('refuses a key used for another request even when the handler stops before claiming', async () => {
      const bare = bareApp((a) => {
        a.post('/first', idempotent({ db: tdb.db, logger }, deferred), async (c) => {
          const idem = c.get('idempotency');
          await withTenant(tdb.db, tenantId, (trx) => idem?.claim(trx) ?? Promise.resolve());
          return c.json({ ok: true }, 201);
        });
        a.post('/invalid', idempotent({ db: tdb.db, logger }, deferred), () => {
          throw new PaymuxError('validation_failed', 'The request body is invalid.');
        });
      });
      const key = newKey();
      expect((await send(bare, '/first', key)).status).toBe(201);
      await expectProblem(await send(bare, '/invalid', key), 422, 'idempotency_key_reused');
      // A fresh key on a request refused as malformed is not remembered.
      const fresh = newKey();
      await expectProblem(await send(bare, '/invalid', fresh), 400, 'validation_failed');
      expect(await records(fresh)).toHaveLength(0);
    });
  });

  it('keeps the successor’s result when a stalled first request finishes after a takeover', async () => {
    const [firstMayFinish, releaseFirst] = latch();
    const [firstEntered, entered] = latch();
    let runs = 0;
    const bare = bareApp((a) =>
      a.post('/slow', idempotent({ db: tdb.db, logger }), async (c) => {
        runs += 1;
        const run = runs;
        if (run === 1) {
          entered();
          await firstMayFinish;
        }
        return c.json({ run }, 201);
      }),
    );
    const key = newKey();
    const first = send(bare, '/slow', key);
    await firstEntered;
    // The first request stalls past its lock; a retry takes the key over and finishes.
    await sql`update idempotency_keys set locked_until = now() - interval '1 second' where key = ${key}`.execute(
      tdb.owner,
    );
    const second = await send(bare, '/slow', key);
    expect(await second.json()).toEqual({ run: 2 });
    releaseFirst();
    expect(await (await first).json()).toEqual({ run: 1 });

    const replay = await send(bare, '/slow', key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual({ run: 2 });
  });
});
