import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paymux } from '../../../packages/sdk/src/index.ts';
import { makeKey, mintToken, type TestKey } from './support/fixtures.ts';
import {
  giveSandboxAccounts,
  type SandboxedApi,
  signUpWithTestMode,
  startSandboxedApi,
} from './support/sandbox-app.ts';

// Events produced by real flows (payments paid through the sandbox, refunds), read back
// through the API: order, filters, pagination, snapshots, and isolation by tenant and mode.
let api: SandboxedApi;
let shop: Awaited<ReturnType<typeof signUpWithTestMode>>;
let other: Awaited<ReturnType<typeof signUpWithTestMode>>;

interface EventBody {
  id: string;
  object: 'event';
  type: string;
  livemode: boolean;
  created_at: string;
  data: { object: Record<string, unknown> & { id: string; status: string; amount_refunded?: number } };
}
interface Page {
  object: 'list';
  data: EventBody[];
  has_more: boolean;
}

async function call(method: string, path: string, key: TestKey, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${await mintToken(key)}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return await api.app.request(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}
async function list(query: string, key: TestKey = shop.key): Promise<Page> {
  const res = await call('GET', `/v1/events${query}`, key);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Page;
}
async function createPayment(key: TestKey, channel = 'alipay.qr', amount = 1000): Promise<{ id: string }> {
  const res = await call('POST', '/v1/payments', key, {
    amount,
    currency: 'CNY',
    channel,
    description: 'events',
    merchant_order_id: `evt-${randomUUID().slice(0, 12)}`,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string };
}
async function payWithHelper(key: TestKey, id: string): Promise<void> {
  const res = await call('POST', `/v1/test_helpers/payments/${id}/pay`, key);
  expect(res.status, await res.clone().text()).toBe(200);
}
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The shop's history, built once: two payments paid (one then half refunded) and a third
// paid on WeChat Pay, all in test mode. Alipay refunds settle synchronously.
let paidThenRefunded: { id: string };
let refundId: string;
let paidOnly: { id: string };
let wechatPaid: { id: string };
const expectedTypes = [
  // newest first
  'payment.succeeded', // wechatPaid
  'payment.succeeded', // paidOnly
  'refund.succeeded', // refund of paidThenRefunded
  'payment.succeeded', // paidThenRefunded
];

beforeAll(async () => {
  api = await startSandboxedApi({ liveToSandbox: true });
  shop = await signUpWithTestMode(api);
  other = await signUpWithTestMode(api);

  paidThenRefunded = await createPayment(shop.key);
  await payWithHelper(shop.key, paidThenRefunded.id);
  const refund = await call('POST', '/v1/refunds', shop.key, { payment: paidThenRefunded.id, amount: 500 });
  expect(refund.status, await refund.clone().text()).toBe(201);
  const refundBody = (await refund.json()) as { id: string; status: string };
  expect(refundBody.status).toBe('succeeded');
  refundId = refundBody.id;
  paidOnly = await createPayment(shop.key);
  await payWithHelper(shop.key, paidOnly.id);
  wechatPaid = await createPayment(shop.key, 'wechat.native');
  await payWithHelper(shop.key, wechatPaid.id);
  // Another tenant's activity, which the shop must never see.
  const theirs = await createPayment(other.key);
  await payWithHelper(other.key, theirs.id);
}, 120_000);
afterAll(() => api.close());

describe('GET /v1/events', () => {
  it('lists the events of real flows, newest first, each exactly once', async () => {
    const page = await list('?limit=100');
    expect(page.object).toBe('list');
    expect(page.has_more).toBe(false);
    expect(page.data.map((e) => e.type)).toEqual(expectedTypes);
    expect(page.data.map((e) => e.data.object.id)).toEqual([
      wechatPaid.id,
      paidOnly.id,
      refundId,
      paidThenRefunded.id,
    ]);
    for (const e of page.data) {
      expect(e).toMatchObject({ object: 'event', livemode: false });
      expect(e.id).toMatch(/^evt_[0-9a-z]{26}$/);
      expect(Number.isNaN(Date.parse(e.created_at))).toBe(false);
    }
    const ids = page.data.map((e) => e.id);
    expect([...ids].sort().reverse()).toEqual(ids);
  });

  it('keeps each event a snapshot: the payment.succeeded event still shows nothing refunded', async () => {
    const [succeeded] = (await list(`?object=${paidThenRefunded.id}&type=payment.succeeded`)).data;
    expect(succeeded?.data.object).toMatchObject({
      id: paidThenRefunded.id,
      object: 'payment',
      status: 'succeeded',
      amount: 1000,
      amount_refunded: 0,
    });
    // While the payment itself has moved on.
    const now = (await (await call('GET', `/v1/payments/${paidThenRefunded.id}`, shop.key)).json()) as {
      amount_refunded: number;
    };
    expect(now.amount_refunded).toBe(500);
    const [refunded] = (await list(`?object=${refundId}`)).data;
    expect(refunded).toMatchObject({ type: 'refund.succeeded' });
    expect(refunded?.data.object).toMatchObject({
      id: refundId,
      object: 'refund',
      status: 'succeeded',
      amount: 500,
    });
  });

  it('filters by type: exact, comma-separated, or repeated', async () => {
    expect((await list('?type=refund.succeeded')).data.map((e) => e.data.object.id)).toEqual([refundId]);
    expect((await list('?type=payment.succeeded')).data).toHaveLength(3);
    expect((await list('?type=payment.failed')).data).toEqual([]);
    expect((await list('?type=refund.succeeded,payment.failed')).data.map((e) => e.type)).toEqual([
      'refund.succeeded',
    ]);
    expect((await list('?type=refund.succeeded, payment.succeeded')).data.map((e) => e.type)).toEqual(
      expectedTypes,
    );
    expect((await list('?type=refund.succeeded&type=payment.succeeded')).data).toHaveLength(4);
  });

  it('refuses an unknown type, naming it, rather than answer an empty page', async () => {
    for (const q of ['type=payment.succeded', 'type=payment.succeeded,nope', 'type=', 'type=,']) {
      const res = await call('GET', `/v1/events?${q}`, shop.key);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { code: string; errors: Array<{ path: string }> };
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors.map((e) => e.path)).toContain('type');
    }
  });

  it('filters by object id', async () => {
    expect((await list(`?object=${paidOnly.id}`)).data.map((e) => e.type)).toEqual(['payment.succeeded']);
    // A refund's events are about the refund, not its payment.
    expect((await list(`?object=${paidThenRefunded.id}`)).data.map((e) => e.type)).toEqual([
      'payment.succeeded',
    ]);
    expect((await list('?object=pay_00000000000000000000000000')).data).toEqual([]);
  });

  it('filters by creation time (inclusive lower, exclusive upper bound)', async () => {
    const all = (await list('')).data;
    const oldest = all.at(-1);
    const newest = all[0];
    if (!oldest || !newest) throw new Error('no events');
    expect((await list(`?created_gte=${encodeURIComponent(oldest.created_at)}`)).data).toHaveLength(4);
    expect((await list(`?created_lt=${encodeURIComponent(oldest.created_at)}`)).data).toEqual([]);
    const after = new Date(Date.parse(newest.created_at) + 1).toISOString();
    expect((await list(`?created_gte=${after}`)).data).toEqual([]);
    expect((await list(`?created_lt=${after}`)).data).toHaveLength(4);
    const res = await call('GET', '/v1/events?created_gte=yesterday', shop.key);
    expect(res.status).toBe(400);
  });

  it('paginates with limit and starting_after, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i += 1) {
      const page = await list(`?limit=1${cursor ? `&starting_after=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(1);
      seen.push(...page.data.map((e) => e.id));
      if (!page.has_more) break;
      cursor = page.data.at(-1)?.id;
    }
    expect(seen).toEqual((await list('')).data.map((e) => e.id));
    const two = await list('?limit=2&type=payment.succeeded');
    expect(two.data).toHaveLength(2);
    expect(two.has_more).toBe(true);
    const rest = await list(`?limit=2&type=payment.succeeded&starting_after=${two.data[1]?.id}`);
    expect(rest.data.map((e) => e.data.object.id)).toEqual([paidThenRefunded.id]);
    expect(rest.has_more).toBe(false);
  });

  it('refuses a bad limit, cursor or unknown parameter with a 400', async () => {
    for (const q of [
      'limit=0',
      'limit=101',
      'limit=ten',
      `starting_after=${paidOnly.id}`,
      'starting_after=evt_x',
      'status=succeeded',
    ]) {
      const res = await call('GET', `/v1/events?${q}`, shop.key);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('validation_failed');
    }
  });
});

describe('GET /v1/events/{id}', () => {
  it('retrieves one event, as listed', async () => {
    const [listed] = (await list('?limit=1')).data;
    const res = await call('GET', `/v1/events/${listed?.id}`, shop.key);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(listed);
  });

  it("answers 404 for another tenant's event, which it never lists either", async () => {
    const theirs = (await list('', other.key)).data;
    expect(theirs.map((e) => e.type)).toEqual(['payment.succeeded']);
    const res = await call('GET', `/v1/events/${theirs[0]?.id}`, shop.key);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('not_found');
    const mine = new Set((await list('?limit=100')).data.map((e) => e.id));
    expect(mine.has(theirs[0]?.id ?? '')).toBe(false);
    expect((await list(`?object=${theirs[0]?.data.object.id}`)).data).toEqual([]);
  });

  it('answers 404 for a malformed or unknown id', async () => {
    for (const id of ['evt_00000000000000000000000000', 'nope', `${'x'.repeat(60)}`, paidOnly.id]) {
      const res = await call('GET', `/v1/events/${id}`, shop.key);
      expect(res.status, id).toBe(404);
    }
  });
});

describe('test and live mode', () => {
  it('keeps live events and test events apart, in lists and by id', async () => {
    await giveSandboxAccounts(api, shop.tenantId, 'live');
    const liveKey = await makeKey(api.server.tdb, shop.tenantId, { mode: 'live' });
    expect((await list('', liveKey)).data).toEqual([]);

    // A live payment (its account is sandbox-backed here), paid at the "provider": the
    // notification arrives over HTTP and settles it.
    const payment = await createPayment(liveKey);
    const account = await api.server.tdb.owner
      .selectFrom('payments')
      .innerJoin('merchant_accounts', 'merchant_accounts.id', 'payments.merchant_account_id')
      .select('merchant_accounts.identifiers')
      .where('payments.id', '=', payment.id)
      .executeTakeFirstOrThrow();
    const appId = String((account.identifiers as { app_id: string }).app_id);
    const paid = await fetch(
      `${api.server.sandboxUrl}/_admin/alipay/apps/${appId}/orders/${payment.id}/pay`,
      {
        method: 'POST',
      },
    );
    expect(paid.status).toBe(200);
    const live = await waitFor('the live event', async () => {
      const page = await list('', liveKey);
      return page.data.length > 0 ? page.data : undefined;
    });
    expect(live.map((e) => [e.type, e.livemode, e.data.object.id])).toEqual([
      ['payment.succeeded', true, payment.id],
    ]);

    // The test key neither lists nor retrieves it; the live key sees none of the test events.
    expect((await list('?limit=100')).data.map((e) => e.type)).toEqual(expectedTypes);
    expect((await call('GET', `/v1/events/${live[0]?.id}`, shop.key)).status).toBe(404);
    const testEvent = (await list('?limit=1')).data[0];
    expect((await call('GET', `/v1/events/${testEvent?.id}`, liveKey)).status).toBe(404);
    expect((await call('GET', `/v1/events/${live[0]?.id}`, liveKey)).status).toBe(200);
  });
});

describe('@paymux/sdk events', () => {
  it('lists (with a type array and an object), pages through and retrieves events over HTTP', async () => {
    // The key file as `paymux api-key create` prints it.
    const privateKey = {
      id: shop.key.id,
      alg: 'ES256',
      mode: 'test',
      private_jwk: shop.key.privateJwk,
    } as const;
    const paymux = new Paymux({ privateKey, baseUrl: api.apiOrigin });
    const refunds = await paymux.events.list({ type: ['refund.succeeded', 'payment.failed'] });
    expect(refunds.data.map((e) => e.type)).toEqual(['refund.succeeded']);
    const about = await paymux.events.list({ object: paidOnly.id, type: 'payment.succeeded' });
    expect(about.data).toHaveLength(1);
    const all: string[] = [];
    for await (const event of paymux.events.listAll({ limit: 1 })) all.push(event.type);
    expect(all).toEqual(expectedTypes);
    const one = await paymux.events.retrieve(refunds.data[0]?.id ?? '');
    expect(one).toEqual(refunds.data[0]);
  });
});
