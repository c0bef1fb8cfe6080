import { randomUUID } from 'node:crypto';
import type { EventType } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { appendEvent, webhookSecretContext } from '@paymux/operations';
import { openSecret } from '@paymux/vault';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  makeKey,
  makeTenant,
  mintToken,
  startWebhookReceiver,
  TEST_VAULT,
  type TestKey,
  testApp,
  type WebhookReceiver,
} from './support/fixtures.ts';

// Webhook endpoints and deliveries through app.request(): secrets shown once and stored
// sealed, the SSRF guard at registration, the cap, enable/disable, rotation, test sends to a
// real local server verified with the standardwebhooks package, and the delivery queue that
// appendEvent fills (read, filtered, retried, replayed).

interface Endpoint {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  enabled_events: string[];
  description: string | null;
  status: 'enabled' | 'disabled';
  disabled_reason: 'manual' | 'gone' | 'failing' | null;
  disabled_at: string | null;
  previous_secret_expires_at: string | null;
  livemode: boolean;
  created_at: string;
  updated_at: string;
  secret?: string;
}
interface Delivery {
  id: string;
  object: 'delivery';
  event: string;
  webhook_endpoint: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  response_status: number | null;
  last_error: string | null;
  livemode: boolean;
  attempt_log?: unknown[];
}
interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}
interface Problem {
  status: number;
  code: string;
  detail: string;
  request_id: string;
  errors?: Array<{ path: string; message: string }>;
}

const SECRET_FORMAT = /^whsec_[A-Za-z0-9+/]+=*$/;
const DAY_MS = 24 * 60 * 60 * 1000;

type App = ReturnType<typeof testApp>['app'];
let tdb: TestDatabase;
/** Loopback allowed, as in development: the local receiver is a valid endpoint. */
let app: App;
let receiver: WebhookReceiver;

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = testApp(tdb, { webhooks: { allowLoopback: true, testTimeoutMs: 5000 } }).app;
  receiver = await startWebhookReceiver(204);
});
afterAll(async () => {
  await receiver.close();
  await tdb.close();
});
beforeEach(() => {
  receiver.respondWith(204);
  receiver.received.length = 0;
});

/** A fresh tenant with a test and a live key, so counts and lists start empty. */
async function newShop(name = 'Webhook shop'): Promise<{ tenantId: string; test: TestKey; live: TestKey }> {
  const tenant = await makeTenant(tdb, name);
  return {
    tenantId: tenant.id,
    test: await makeKey(tdb, tenant.id),
    live: await makeKey(tdb, tenant.id, { mode: 'live' }),
  };
}

async function call(
  method: string,
  path: string,
  key: TestKey,
  body?: unknown,
  via: App = app,
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${await mintToken(key)}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return await via.request(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const problem = (await res.json()) as Problem;
  expect(problem).toMatchObject({ status, code });
  return problem;
}

async function createEndpoint(key: TestKey, body: Record<string, unknown> = {}): Promise<Endpoint> {
  const url = key.mode === 'live' ? 'https://127.0.0.1:8443/hooks' : `${receiver.url}/hooks`;
  const res = await call('POST', '/v1/webhook_endpoints', key, { url, ...body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Endpoint;
}

async function getJson<T>(path: string, key: TestKey): Promise<T> {
  const res = await call('GET', path, key);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

/** Appends an event the way every flow does; deliveries are queued in the same statement. */
async function emit(tenantId: string, mode: 'test' | 'live', type: EventType = 'payment.succeeded') {
  return await withTenant(tdb.db, tenantId, (trx) =>
    appendEvent(trx, {
      tenantId,
      mode,
      type,
      objectId: `pay_${randomUUID()}`,
      data: { object: { object: 'payment', status: 'succeeded', amount: 100 } },
    }),
  );
}

/** Every endpoint and audit row of the tenant, to show a refused request changed nothing. */
async function tenantDigest(tenantId: string): Promise<string> {
  const r = await sql<{ d: string }>`
    select (select coalesce(string_agg(to_jsonb(e)::text, ',' order by e.id), '') from webhook_endpoints e where e.tenant_id = ${tenantId})
      || '|' || (select coalesce(string_agg(to_jsonb(a)::text, ',' order by a.id), '') from audit_log a where a.tenant_id = ${tenantId}) as d
  `.execute(tdb.owner);
  return r.rows[0]?.d ?? '';
}

async function deliveryRows(tenantId: string) {
  return await tdb.owner
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('id')
    .execute();
}

describe('POST /v1/webhook_endpoints', () => {
  it('returns a whsec_ secret once; GET and list never show it, and the row holds only a vault envelope', async () => {
    const shop = await newShop();
    const res = await call('POST', '/v1/webhook_endpoints', shop.test, {
      url: `${receiver.url}/hooks`,
      enabled_events: ['payment.succeeded', 'refund.succeeded'],
      description: 'Order service',
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Endpoint;
    const secret = created.secret ?? '';
    expect(secret).toMatch(SECRET_FORMAT);
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      url: `${receiver.url}/hooks`,
      enabled_events: ['payment.succeeded', 'refund.succeeded'],
      description: 'Order service',
      status: 'enabled',
      disabled_reason: null,
      previous_secret_expires_at: null,
      livemode: false,
    });
    expect(created.id).toMatch(/^whe_[0-9a-z]{26}$/);
    const key = secret.slice('whsec_'.length);

    const one = await call('GET', `/v1/webhook_endpoints/${created.id}`, shop.test);
    expect(one.status).toBe(200);
    const oneText = await one.text();
    expect(oneText).not.toContain(key);
    const { secret: _omitted, ...withoutSecret } = created;
    expect(JSON.parse(oneText)).toEqual(withoutSecret);

    const list = await call('GET', '/v1/webhook_endpoints', shop.test);
    expect(list.status).toBe(200);
    const listText = await list.text();
    expect(listText).not.toContain(key);
    const page = JSON.parse(listText) as Page<Endpoint>;
    expect(page.data.map((e) => e.id)).toEqual([created.id]);
    expect(page.data[0]).not.toHaveProperty('secret');

    const row = await tdb.owner
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(Object.keys(row.secret).sort()).toEqual(['ct', 'dek', 'kek', 'nonce', 'v']);
    // The envelope is that secret, sealed for this endpoint.
    const opened = await openSecret(TEST_VAULT, row.secret, webhookSecretContext(shop.tenantId, created.id));
    expect(opened.toString('utf8')).toBe(secret);
  });

  // @paymux/sdk sends an Idempotency-Key on every POST, and the first response to a key is
  // kept 24 h for replay: for the two responses that show a secret, that copy is sealed.
  it('keeps no plaintext secret in the idempotency record of a create or a rotation', async () => {
    const shop = await newShop();
    const headers = {
      authorization: `Bearer ${await mintToken(shop.test)}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    };
    const res = await app.request('/v1/webhook_endpoints', {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: `${receiver.url}/hooks` }),
    });
    expect(res.status).toBe(201);
    const { id, secret = '' } = (await res.json()) as Endpoint;
    expect(secret).toMatch(SECRET_FORMAT);
    const rotated = await app.request(`/v1/webhook_endpoints/${id}/rotate_secret`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': randomUUID() },
    });
    expect(rotated.status).toBe(200);
    const newSecret = ((await rotated.json()) as Endpoint).secret ?? '';
    const records = await tdb.owner
      .selectFrom('idempotency_keys')
      .select('response_body')
      .where('tenant_id', '=', shop.tenantId)
      .execute();
    expect(records).toHaveLength(2);
    const stored = JSON.stringify(records);
    expect(stored).not.toContain(secret.slice('whsec_'.length));
    expect(stored).not.toContain(newSecret.slice('whsec_'.length));
    // The replay still answers with the secret, opened from the sealed copy.
    const again = await app.request('/v1/webhook_endpoints', {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: `${receiver.url}/hooks` }),
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as Endpoint).secret).toBe(secret);
  });

  it('gives a live key a live endpoint, which lists apart from test mode', async () => {
    const shop = await newShop();
    const testEndpoint = await createEndpoint(shop.test);
    const liveEndpoint = await createEndpoint(shop.live);
    expect(liveEndpoint.livemode).toBe(true);
    const testList = await getJson<Page<Endpoint>>('/v1/webhook_endpoints', shop.test);
    const liveList = await getJson<Page<Endpoint>>('/v1/webhook_endpoints', shop.live);
    expect(testList.data.map((e) => e.id)).toEqual([testEndpoint.id]);
    expect(liveList.data.map((e) => e.id)).toEqual([liveEndpoint.id]);
    const other = await newShop('Someone else');
    expect((await getJson<Page<Endpoint>>('/v1/webhook_endpoints', other.test)).data).toEqual([]);
  });

  it('pages the list newest first, and refuses a cursor that is not an endpoint id with 400', async () => {
    const shop = await newShop();
    const first = await createEndpoint(shop.test);
    const second = await createEndpoint(shop.test);
    const third = await createEndpoint(shop.test);
    const page = await getJson<Page<Endpoint>>('/v1/webhook_endpoints?limit=2', shop.test);
    expect(page.data.map((e) => e.id)).toEqual([third.id, second.id]);
    expect(page.has_more).toBe(true);
    const rest = await getJson<Page<Endpoint>>(
      `/v1/webhook_endpoints?limit=2&starting_after=${second.id}`,
      shop.test,
    );
    expect(rest).toMatchObject({ data: [{ id: first.id }], has_more: false });
    for (const cursor of ['nope', 'dlv_01jx5v6k8m9n0p1q2r3s4t5v6w']) {
      const res = await call('GET', `/v1/webhook_endpoints?starting_after=${cursor}`, shop.test);
      const problem = await expectProblem(res, 400, 'validation_failed');
      expect(problem.errors?.[0]?.path).toBe('starting_after');
    }
  });

  it('refuses an unknown event type and an unknown field with 400, changing nothing', async () => {
    const shop = await newShop();
    const before = await tenantDigest(shop.tenantId);
    const badType = await call('POST', '/v1/webhook_endpoints', shop.test, {
      url: `${receiver.url}/hooks`,
      enabled_events: ['payment.exploded'],
    });
    const problem = await expectProblem(badType, 400, 'validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain('enabled_events.0');
    const unknownField = await call('POST', '/v1/webhook_endpoints', shop.test, {
      url: `${receiver.url}/hooks`,
      secret: 'whsec_chosenByTheCallerAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    await expectProblem(unknownField, 400, 'validation_failed');
    expect(await tenantDigest(shop.tenantId)).toBe(before);
    // Positive control: the same body without the mistakes is accepted.
    await createEndpoint(shop.test, { enabled_events: ['payment.succeeded'] });
    expect(await tenantDigest(shop.tenantId)).not.toBe(before);
  });

  describe('refuses URLs the SSRF guard rejects, with 400 validation_failed on url', () => {
    /** Loopback refused, and every host name resolves to a public address. */
    let strict: App;
    /** Loopback refused, and every host name resolves to a private address. */
    let privateDns: App;
    beforeAll(() => {
      strict = testApp(tdb, {
        webhooks: { allowLoopback: false, lookup: async () => [{ address: '93.184.216.34', family: 4 }] },
      }).app;
      privateDns = testApp(tdb, {
        webhooks: { allowLoopback: false, lookup: async () => [{ address: '10.1.2.3', family: 4 }] },
      }).app;
    });
    const apps = { loopback: () => app, strict: () => strict, privateDns: () => privateDns };

    const cases: Array<{
      name: string;
      url: string;
      mode: 'test' | 'live';
      via: keyof typeof apps;
      code: string;
      reason?: string;
    }> = [
      {
        name: '127.0.0.1 without allowLoopback',
        url: 'http://127.0.0.1:8080/hooks',
        mode: 'test',
        via: 'strict',
        code: 'address_not_allowed',
        reason: 'loopback',
      },
      {
        name: 'a private address',
        url: 'http://10.0.0.1/hooks',
        mode: 'test',
        via: 'loopback',
        code: 'address_not_allowed',
        reason: 'private',
      },
      {
        name: 'the metadata address',
        url: 'http://169.254.169.254/latest/meta-data/',
        mode: 'test',
        via: 'loopback',
        code: 'address_not_allowed',
        reason: 'metadata',
      },
      {
        name: 'loopback written as a decimal integer',
        url: 'http://2130706433/',
        mode: 'test',
        via: 'strict',
        code: 'address_not_allowed',
        reason: 'loopback',
      },
      {
        name: 'loopback as IPv4-mapped IPv6',
        url: 'http://[::ffff:127.0.0.1]/',
        mode: 'test',
        via: 'strict',
        code: 'address_not_allowed',
        reason: 'loopback',
      },
      {
        name: 'an ftp:// URL',
        url: 'ftp://hooks.example.com/x',
        mode: 'test',
        via: 'strict',
        code: 'scheme_not_allowed',
      },
      {
        name: 'port 22',
        url: 'http://127.0.0.1:22/',
        mode: 'test',
        via: 'loopback',
        code: 'port_not_allowed',
      },
      {
        name: 'credentials in the URL',
        url: 'http://user:pass@127.0.0.1:8080/hooks',
        mode: 'test',
        via: 'loopback',
        code: 'credentials_in_url',
      },
      {
        name: 'http:// in live mode',
        url: 'http://127.0.0.1:8080/hooks',
        mode: 'live',
        via: 'loopback',
        code: 'scheme_not_allowed',
      },
      {
        name: 'a host name that resolves to a private address',
        url: 'https://hooks.example.com/paymux',
        mode: 'test',
        via: 'privateDns',
        code: 'address_not_allowed',
        reason: 'resolves to a refused address (private)',
      },
    ];

    it.each(cases)('$name', async ({ url, mode, via, code, reason }) => {
      const shop = await newShop();
      const key = mode === 'live' ? shop.live : shop.test;
      const before = await tenantDigest(shop.tenantId);
      const res = await call('POST', '/v1/webhook_endpoints', key, { url }, apps[via]());
      const problem = await expectProblem(res, 400, 'validation_failed');
      expect(problem.errors).toHaveLength(1);
      expect(problem.errors?.[0]?.path).toBe('url');
      expect(problem.errors?.[0]?.message).toMatch(new RegExp(`^${code}: `));
      if (reason !== undefined) expect(problem.errors?.[0]?.message).toContain(reason);
      // The resolved address is never echoed (registration must not map internal DNS).
      expect(JSON.stringify(problem)).not.toContain('10.1.2.3');
      expect(await tenantDigest(shop.tenantId)).toBe(before);
    });

    it('accepts what the same apps should accept (positive controls)', async () => {
      const shop = await newShop();
      const accepted = async (via: App, key: TestKey, url: string) => {
        const res = await call('POST', '/v1/webhook_endpoints', key, { url }, via);
        expect(res.status, await res.clone().text()).toBe(201);
      };
      await accepted(strict, shop.test, 'https://hooks.example.com/paymux');
      await accepted(app, shop.test, 'http://127.0.0.1:8080/hooks');
      await accepted(app, shop.test, 'http://[::ffff:127.0.0.1]:8080/hooks');
      await accepted(app, shop.live, 'https://127.0.0.1:8443/hooks');
      await accepted(privateDns, shop.test, 'https://93.184.216.34/paymux');
    });

    it('refuses the same URLs on PATCH, leaving the endpoint as it was', async () => {
      const shop = await newShop();
      const endpoint = await createEndpoint(shop.test);
      const before = await tenantDigest(shop.tenantId);
      const res = await call('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, shop.test, {
        url: 'http://169.254.169.254/latest/meta-data/',
      });
      await expectProblem(res, 400, 'validation_failed');
      expect(await tenantDigest(shop.tenantId)).toBe(before);
      expect((await getJson<Endpoint>(`/v1/webhook_endpoints/${endpoint.id}`, shop.test)).url).toBe(
        endpoint.url,
      );
    });
  });

  it('refuses a 17th endpoint in one mode with 409, while the other mode still has room', async () => {
    const shop = await newShop();
    for (let i = 0; i < 16; i += 1) {
      const res = await call('POST', '/v1/webhook_endpoints', shop.test, {
        url: `${receiver.url}/hooks/${i}`,
      });
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const before = await tenantDigest(shop.tenantId);
    const refused = await call('POST', '/v1/webhook_endpoints', shop.test, {
      url: `${receiver.url}/hooks/16`,
    });
    await expectProblem(refused, 409, 'conflict');
    expect(await tenantDigest(shop.tenantId)).toBe(before);
    await createEndpoint(shop.live);
  });
});

describe('PATCH and DELETE /v1/webhook_endpoints/{id}', () => {
  it('disabling records the manual reason; enabling clears it', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test);
    const disabledRes = await call('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, shop.test, {
      status: 'disabled',
    });
    expect(disabledRes.status).toBe(200);
    const disabled = (await disabledRes.json()) as Endpoint;
    expect(disabled).toMatchObject({ id: endpoint.id, status: 'disabled', disabled_reason: 'manual' });
    expect(Math.abs(Date.parse(disabled.disabled_at ?? '') - Date.now())).toBeLessThan(60_000);
    expect(await getJson<Endpoint>(`/v1/webhook_endpoints/${endpoint.id}`, shop.test)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'manual',
    });
    const disabledList = await getJson<Page<Endpoint>>('/v1/webhook_endpoints?status=disabled', shop.test);
    expect(disabledList.data.map((e) => e.id)).toEqual([endpoint.id]);

    const enabledRes = await call('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, shop.test, {
      status: 'enabled',
    });
    expect(enabledRes.status).toBe(200);
    expect(await enabledRes.json()).toMatchObject({
      status: 'enabled',
      disabled_reason: null,
      disabled_at: null,
    });
    expect((await getJson<Page<Endpoint>>('/v1/webhook_endpoints?status=disabled', shop.test)).data).toEqual(
      [],
    );
  });

  it('changes the events, the description and the URL', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test, { description: 'old' });
    const res = await call('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, shop.test, {
      enabled_events: ['refund.failed'],
      description: null,
      url: `${receiver.url}/moved`,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      enabled_events: ['refund.failed'],
      description: null,
      url: `${receiver.url}/moved`,
    });
  });

  it('DELETE removes the endpoint and its deliveries, keeps the events, and then answers 404', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test);
    const event = await emit(shop.tenantId, 'test');
    expect(await deliveryRows(shop.tenantId)).toHaveLength(1);

    const res = await call('DELETE', `/v1/webhook_endpoints/${endpoint.id}`, shop.test);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: endpoint.id, object: 'webhook_endpoint', deleted: true });
    await expectProblem(
      await call('GET', `/v1/webhook_endpoints/${endpoint.id}`, shop.test),
      404,
      'not_found',
    );
    await expectProblem(
      await call('DELETE', `/v1/webhook_endpoints/${endpoint.id}`, shop.test),
      404,
      'not_found',
    );
    expect(await deliveryRows(shop.tenantId)).toHaveLength(0);
    const events = await tdb.owner.selectFrom('events').select('id').where('id', '=', event.id).execute();
    expect(events).toHaveLength(1);
  });
});

describe('POST /v1/webhook_endpoints/{id}/rotate_secret', () => {
  it('returns a new secret, keeps the old one signing for about 24 hours, and test sends carry both signatures', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test);
    const oldSecret = endpoint.secret ?? '';

    const res = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, shop.test);
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as Endpoint;
    const newSecret = rotated.secret ?? '';
    expect(newSecret).toMatch(SECRET_FORMAT);
    expect(newSecret).not.toBe(oldSecret);
    expect(
      Math.abs(Date.parse(rotated.previous_secret_expires_at ?? '') - (Date.now() + DAY_MS)),
    ).toBeLessThan(60_000);

    const shown = await call('GET', `/v1/webhook_endpoints/${endpoint.id}`, shop.test);
    const shownText = await shown.text();
    expect(shownText).not.toContain(newSecret.slice(6));
    expect(shownText).not.toContain(oldSecret.slice(6));
    expect(JSON.parse(shownText)).toMatchObject({
      previous_secret_expires_at: rotated.previous_secret_expires_at,
    });

    const sent = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/test`, shop.test);
    expect(await sent.json()).toMatchObject({ succeeded: true, status_code: 204 });
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (!request) throw new Error('unreachable');
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    // A consumer holding either secret verifies; a third secret does not.
    expect(() => new Webhook(newSecret).verify(request.body, request.headers)).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(request.body, request.headers)).not.toThrow();
    const stranger = (await createEndpoint(shop.test)).secret ?? '';
    expect(() => new Webhook(stranger).verify(request.body, request.headers)).toThrow();
  });
});

describe('POST /v1/webhook_endpoints/{id}/test', () => {
  it('sends a signed test event to a real server: 204 is success, and the signature verifies with standardwebhooks', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test);
    const res = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/test`, shop.test);
    expect(res.status).toBe(200);
    const result = (await res.json()) as Record<string, unknown>;
    expect(result).toEqual({
      object: 'webhook_test',
      webhook_endpoint: endpoint.id,
      succeeded: true,
      status_code: 204,
      latency_ms: expect.any(Number),
      error_class: null,
    });

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (!request) throw new Error('unreachable');
    expect(request.headers['webhook-id']).toMatch(/^evt_[0-9a-z]{26}$/);
    expect(request.headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const payload = new Webhook(endpoint.secret ?? '').verify(request.body, request.headers) as Record<
      string,
      unknown
    >;
    expect(payload).toMatchObject({ type: 'webhook_endpoint.test' });
    // The signature covers the body: one changed byte fails verification.
    expect(() => new Webhook(endpoint.secret ?? '').verify(`${request.body} `, request.headers)).toThrow();
  });

  it('reports a 500 as a failure without returning the response body', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test);
    receiver.respondWith(500, 'SECRET-INTERNAL-DATA');
    const res = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/test`, shop.test);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(text)).toMatchObject({
      succeeded: false,
      status_code: 500,
      error_class: 'http_status',
    });
    expect(text).not.toContain('SECRET-INTERNAL-DATA');
  });
});

describe('GET /v1/deliveries', () => {
  it('lists the pending delivery appendEvent queued for an endpoint, with its attempt log on GET', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test);
    expect((await getJson<Page<Delivery>>('/v1/deliveries', shop.test)).data).toEqual([]);
    const event = await emit(shop.tenantId, 'test');

    const page = await getJson<Page<Delivery>>('/v1/deliveries', shop.test);
    expect(page.has_more).toBe(false);
    expect(page.data).toHaveLength(1);
    const [delivery] = page.data;
    expect(delivery).toMatchObject({
      object: 'delivery',
      event: event.id,
      webhook_endpoint: endpoint.id,
      status: 'pending',
      attempts: 0,
      last_attempt_at: null,
      response_status: null,
      last_error: null,
      livemode: false,
    });
    expect(delivery?.id).toMatch(/^dlv_[0-9a-z]{26}$/);
    expect(delivery?.next_attempt_at).not.toBeNull();

    const one = await getJson<Delivery>(`/v1/deliveries/${delivery?.id}`, shop.test);
    expect(one).toMatchObject({ ...delivery, attempt_log: [] });
    // Not in live mode, and not for another tenant.
    expect((await getJson<Page<Delivery>>('/v1/deliveries', shop.live)).data).toEqual([]);
    await expectProblem(await call('GET', `/v1/deliveries/${delivery?.id}`, shop.live), 404, 'not_found');
  });

  describe('filters', () => {
    let shop: Awaited<ReturnType<typeof newShop>>;
    let everything: Endpoint;
    let refundsOnly: Endpoint;
    let paymentEvent: string;
    let refundEvent: string;
    let succeededDelivery: string;
    const ids = async (query: string) =>
      (await getJson<Page<Delivery>>(`/v1/deliveries${query}`, shop.test)).data.map((d) => [
        d.event,
        d.webhook_endpoint,
      ]);

    beforeAll(async () => {
      shop = await newShop();
      everything = await createEndpoint(shop.test);
      refundsOnly = await createEndpoint(shop.test, { enabled_events: ['refund.succeeded'] });
      paymentEvent = (await emit(shop.tenantId, 'test', 'payment.succeeded')).id;
      refundEvent = (await emit(shop.tenantId, 'test', 'refund.succeeded')).id;
      // As the dispatcher records a success (no worker runs here).
      const done = await tdb.owner
        .updateTable('webhook_deliveries')
        .set({ status: 'succeeded', next_attempt_at: null, attempts: 1, last_status_code: 200 })
        .where('tenant_id', '=', shop.tenantId)
        .where('event_id', '=', paymentEvent)
        .returning('id')
        .executeTakeFirstOrThrow();
      succeededDelivery = done.id as string;
    });

    it('by endpoint, event and status, newest first', async () => {
      // Newest first: the refund event's two deliveries (one statement, so in either order), then the payment's.
      const all = await ids('');
      expect(all.map(([ev]) => ev)).toEqual([refundEvent, refundEvent, paymentEvent]);
      expect(
        all
          .map(([, e]) => e)
          .slice(0, 2)
          .sort(),
      ).toEqual([everything.id, refundsOnly.id].sort());
      expect(all[2]).toEqual([paymentEvent, everything.id]);
      expect(await ids(`?webhook_endpoint=${refundsOnly.id}`)).toEqual([[refundEvent, refundsOnly.id]]);
      expect(await ids(`?event=${paymentEvent}`)).toEqual([[paymentEvent, everything.id]]);
      expect((await ids(`?event=${refundEvent}`)).map(([, e]) => e).sort()).toEqual(
        [everything.id, refundsOnly.id].sort(),
      );
      expect(await ids('?status=succeeded')).toEqual([[paymentEvent, everything.id]]);
      expect((await ids('?status=pending')).map(([ev]) => ev)).toEqual([refundEvent, refundEvent]);
      expect(await ids('?status=failed')).toEqual([]);
      const page = await getJson<Page<Delivery>>(`/v1/deliveries?status=succeeded`, shop.test);
      expect(page.data[0]?.id).toBe(succeededDelivery);
    });

    it('by creation time', async () => {
      const future = new Date(Date.now() + 60_000).toISOString();
      const past = new Date(Date.now() - 3_600_000).toISOString();
      expect(await ids(`?created_gte=${encodeURIComponent(future)}`)).toEqual([]);
      expect(await ids(`?created_gte=${encodeURIComponent(past)}`)).toHaveLength(3);
      expect(await ids(`?created_lt=${encodeURIComponent(past)}`)).toEqual([]);
    });

    it('pages with starting_after, and refuses a cursor that is not a delivery id with 400', async () => {
      const all = (await getJson<Page<Delivery>>('/v1/deliveries', shop.test)).data.map((d) => d.id);
      const first = await getJson<Page<Delivery>>('/v1/deliveries?limit=2', shop.test);
      expect(first.data.map((d) => d.id)).toEqual(all.slice(0, 2));
      expect(first.has_more).toBe(true);
      const rest = await getJson<Page<Delivery>>(
        `/v1/deliveries?limit=2&starting_after=${all[1]}`,
        shop.test,
      );
      expect(rest.data.map((d) => d.id)).toEqual(all.slice(2));
      expect(rest.has_more).toBe(false);

      for (const cursor of ['nope', everything.id, "dlv_' or 1=1 --"]) {
        const res = await call(
          'GET',
          `/v1/deliveries?starting_after=${encodeURIComponent(cursor)}`,
          shop.test,
        );
        const problem = await expectProblem(res, 400, 'validation_failed');
        expect(problem.errors?.[0]?.path).toBe('starting_after');
      }
    });
  });

  it('queues nothing for an endpoint not subscribed to the type, or of the other mode, or disabled', async () => {
    const shop = await newShop();
    const refundsOnly = await createEndpoint(shop.test, { enabled_events: ['refund.succeeded'] });
    const live = await createEndpoint(shop.live);
    const disabled = await createEndpoint(shop.test);
    const subscribed = await createEndpoint(shop.test, { enabled_events: ['payment.succeeded'] });
    const off = await call('PATCH', `/v1/webhook_endpoints/${disabled.id}`, shop.test, {
      status: 'disabled',
    });
    expect(off.status).toBe(200);
    const event = await emit(shop.tenantId, 'test', 'payment.succeeded');
    expect(event.deliveries).toBe(1);
    const rows = await deliveryRows(shop.tenantId);
    // Only the subscribed endpoint (the positive control); none of the others.
    expect(rows.map((r) => r.endpoint_id)).toEqual([subscribed.id]);
    expect(rows.map((r) => r.endpoint_id)).not.toContain(refundsOnly.id);
    expect(rows.map((r) => r.endpoint_id)).not.toContain(live.id);
    expect(
      (await getJson<Page<Delivery>>(`/v1/deliveries?webhook_endpoint=${live.id}`, shop.live)).data,
    ).toEqual([]);
  });
});

describe('POST /v1/deliveries/{id}/retry', () => {
  it('brings a pending delivery forward to now, with 202', async () => {
    const shop = await newShop();
    await createEndpoint(shop.test);
    const event = await emit(shop.tenantId, 'test');
    const [row] = await deliveryRows(shop.tenantId);
    if (!row) throw new Error('expected a delivery');
    // As after a failed attempt: the next one is an hour away.
    await tdb.owner
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date(Date.now() + 3_600_000) })
      .where('id', '=', row.id)
      .execute();

    const res = await call('POST', `/v1/deliveries/${row.id}/retry`, shop.test);
    expect(res.status).toBe(202);
    const delivery = (await res.json()) as Delivery;
    expect(delivery).toMatchObject({ id: row.id, event: event.id, status: 'pending' });
    expect(Math.abs(Date.parse(delivery.next_attempt_at ?? '') - Date.now())).toBeLessThan(5_000);
    const after = await tdb.owner
      .selectFrom('webhook_deliveries')
      .select(['next_attempt_at', 'retry_once'])
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(Math.abs((after.next_attempt_at as Date).getTime() - Date.now())).toBeLessThan(5_000);
    expect(after.retry_once).toBe(false);
  });

  it('gives a failed delivery one more attempt', async () => {
    const shop = await newShop();
    await createEndpoint(shop.test);
    await emit(shop.tenantId, 'test');
    const [row] = await deliveryRows(shop.tenantId);
    if (!row) throw new Error('expected a delivery');
    await tdb.owner
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', next_attempt_at: null, attempts: 8 })
      .where('id', '=', row.id)
      .execute();
    const res = await call('POST', `/v1/deliveries/${row.id}/retry`, shop.test);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'pending', attempts: 8 });
    const [after] = await deliveryRows(shop.tenantId);
    expect(after?.retry_once).toBe(true);
  });

  it('answers 409 while the endpoint is disabled, changing nothing', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test);
    await emit(shop.tenantId, 'test');
    const [row] = await deliveryRows(shop.tenantId);
    if (!row) throw new Error('expected a delivery');
    const off = await call('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, shop.test, {
      status: 'disabled',
    });
    expect(off.status).toBe(200);
    const res = await call('POST', `/v1/deliveries/${row.id}/retry`, shop.test);
    await expectProblem(res, 409, 'conflict');
    expect(await deliveryRows(shop.tenantId)).toEqual([row]);
  });
});

describe('POST /v1/webhook_endpoints/{id}/replay', () => {
  it('creates deliveries for subscribed events from before the endpoint existed', async () => {
    const shop = await newShop();
    const since = new Date(Date.now() - 60_000).toISOString();
    const paid1 = await emit(shop.tenantId, 'test', 'payment.succeeded');
    const paid2 = await emit(shop.tenantId, 'test', 'payment.succeeded');
    await emit(shop.tenantId, 'test', 'refund.succeeded');
    await emit(shop.tenantId, 'live', 'payment.succeeded');
    expect(await deliveryRows(shop.tenantId)).toEqual([]);

    const endpoint = await createEndpoint(shop.test, { enabled_events: ['payment.succeeded'] });
    const until = new Date(Date.now() + 60_000).toISOString();
    const res = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/replay`, shop.test, {
      since,
      until,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ object: 'webhook_replay', webhook_endpoint: endpoint.id, events: 2 });
    const deliveries = await getJson<Page<Delivery>>(
      `/v1/deliveries?webhook_endpoint=${endpoint.id}`,
      shop.test,
    );
    expect(deliveries.data.map((d) => d.event).sort()).toEqual([paid1.id, paid2.id].sort());
    expect(deliveries.data.every((d) => d.status === 'pending')).toBe(true);

    // A range ending before those events replays none of them.
    const earlier = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/replay`, shop.test, {
      since: new Date(Date.now() - 7_200_000).toISOString(),
      until: since,
    });
    expect(earlier.status).toBe(202);
    expect(await earlier.json()).toMatchObject({ events: 0 });
  });

  it('refuses since ≥ until with 400', async () => {
    const shop = await newShop();
    const endpoint = await createEndpoint(shop.test);
    const now = new Date().toISOString();
    for (const body of [
      { since: now, until: now },
      { since: now, until: new Date(Date.now() - 60_000).toISOString() },
      { since: new Date(Date.now() + 3_600_000).toISOString() },
    ]) {
      const res = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/replay`, shop.test, body);
      await expectProblem(res, 400, 'validation_failed');
    }
  });

  it('answers 409 on a disabled endpoint, creating no delivery', async () => {
    const shop = await newShop();
    await emit(shop.tenantId, 'test');
    const endpoint = await createEndpoint(shop.test);
    const off = await call('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, shop.test, {
      status: 'disabled',
    });
    expect(off.status).toBe(200);
    const body = {
      since: new Date(Date.now() - 60_000).toISOString(),
      until: new Date(Date.now() + 60_000).toISOString(),
    };
    const before = await tenantDigest(shop.tenantId);
    await expectProblem(
      await call('POST', `/v1/webhook_endpoints/${endpoint.id}/replay`, shop.test, body),
      409,
      'conflict',
    );
    expect(await deliveryRows(shop.tenantId)).toEqual([]);
    expect(await tenantDigest(shop.tenantId)).toBe(before);
    // Enabled again, the same replay schedules the event (positive control).
    await call('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, shop.test, { status: 'enabled' });
    const res = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/replay`, shop.test, body);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ events: 1 });
  });
});
