import { createPrivateKey, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signNotification } from '../../sandbox/src/alipay/notifications/trade-notification.ts';
import { mintToken, type TestKey } from './support/fixtures.ts';
import { type SandboxedApi, signUpWithTestMode, startSandboxedApi } from './support/sandbox-app.ts';

// A payment's timeline, from real flows: the sandbox pays and notifies the API over HTTP,
// re-notifies (a duplicate), and a notification is tampered with (rejected); the test
// helper's provider query; a refund. Raw bodies and signatures never appear.
let api: SandboxedApi;
let shop: Awaited<ReturnType<typeof signUpWithTestMode>>;
let other: Awaited<ReturnType<typeof signUpWithTestMode>>;

beforeAll(async () => {
  api = await startSandboxedApi();
  shop = await signUpWithTestMode(api);
  other = await signUpWithTestMode(api);
}, 60_000);
afterAll(() => api.close());

type Entry = { type: string; at: string } & Record<string, unknown>;
interface Timeline {
  object: 'list';
  data: Entry[];
  has_more: boolean;
}

async function call(method: string, path: string, key: TestKey = shop.key, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${await mintToken(key)}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return await api.app.request(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}
async function timeline(id: string): Promise<{ body: Timeline; text: string }> {
  const res = await call('GET', `/v1/payments/${id}/timeline`);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { body: JSON.parse(text) as Timeline, text };
}
async function createPayment(channel: string, amount = 2500): Promise<{ id: string }> {
  const res = await call('POST', '/v1/payments', shop.key, {
    amount,
    currency: 'CNY',
    channel,
    description: 'timeline',
    merchant_order_id: `tl-${randomUUID().slice(0, 12)}`,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string };
}
async function waitForTimeline(id: string, what: string, done: (t: Timeline) => boolean): Promise<Timeline> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { body } = await timeline(id);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`timeline of ${id}: ${what}; got ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const notificationsOf = (t: Timeline) => t.data.filter((e) => e.type === 'notification');
const adminBase = (provider: 'wechatpay' | 'alipay') =>
  provider === 'wechatpay'
    ? `${api.server.sandboxUrl}/_admin/wechatpay/merchants/${shop.accounts.wechatpay.merchant}`
    : `${api.server.sandboxUrl}/_admin/alipay/apps/${shop.accounts.alipay.merchant}`;
async function sandboxNotifications(provider: 'wechatpay' | 'alipay', paymentId: string) {
  const res = await fetch(`${adminBase(provider)}/orders/${paymentId}/notifications`);
  return ((await res.json()) as { data: Array<{ id: string; body: string; status: string }> }).data;
}

/** Everything the raw notification carried that must never leave the database. */
async function secretsOf(paymentId: string): Promise<string[]> {
  const rows = await api.server.tdb.owner
    .selectFrom('provider_notifications')
    .select(['body', 'headers'])
    .where('payment_id', '=', paymentId)
    .execute();
  const secrets: string[] = [];
  for (const row of rows) {
    secrets.push(row.body);
    for (const [name, value] of Object.entries(row.headers as Record<string, string>)) {
      if (name !== 'content-type') secrets.push(value);
    }
    if (row.body.startsWith('{')) {
      // WeChat Pay: the encrypted resource and its nonce.
      const resource = (JSON.parse(row.body) as { resource: Record<string, string> }).resource;
      secrets.push(resource.ciphertext ?? '', resource.nonce ?? '');
    } else {
      // Alipay: the signature and the payer's details.
      const form = new URLSearchParams(row.body);
      for (const field of ['sign', 'buyer_id', 'buyer_logon_id', 'fund_bill_list']) {
        const value = form.get(field);
        if (value) secrets.push(value);
      }
    }
  }
  return secrets.filter((s) => s.length >= 8);
}

const NOTIFICATION_KEYS = [
  'at',
  'id',
  'outcome',
  'provider',
  'provider_notification_id',
  'reason',
  'refund',
  'type',
].sort();

describe('GET /v1/payments/{id}/timeline', () => {
  it('shows an Alipay notification applied, a re-notification as duplicate, a tampered one as rejected', async () => {
    const payment = await createPayment('alipay.qr');
    expect((await timeline(payment.id)).body).toEqual({ object: 'list', data: [], has_more: false });

    // The payer pays at the "provider"; only its notification, over HTTP, tells Paymux.
    const paid = await fetch(`${adminBase('alipay')}/orders/${payment.id}/pay`, { method: 'POST' });
    expect(paid.status).toBe(200);
    const first = await waitForTimeline(payment.id, 'applied', (t) => t.data.length === 2);
    expect(first.data.map((e) => [e.type, e.outcome ?? e.event_type])).toEqual([
      ['notification', 'applied'],
      ['state_change', 'payment.succeeded'],
    ]);
    const [applied, change] = first.data;
    expect(applied).toMatchObject({ provider: 'alipay', reason: null, refund: null });
    expect(applied?.provider_notification_id).toEqual(expect.any(String));
    expect(Object.keys(applied ?? {}).sort()).toEqual(NOTIFICATION_KEYS);
    expect(change).toMatchObject({ object: payment.id, status: 'succeeded' });
    expect(change?.event).toMatch(/^evt_/);
    // The state change is the event the events API serves.
    expect((await call('GET', `/v1/events/${change?.event}`)).status).toBe(200);
    expect(Date.parse(applied?.at ?? '')).toBeLessThanOrEqual(Date.parse(change?.at ?? ''));

    // The provider notifies again: verified, nothing to change.
    const [sent] = await sandboxNotifications('alipay', payment.id);
    if (!sent) throw new Error('the sandbox sent no notification');
    const resend = await fetch(`${api.server.sandboxUrl}/_admin/notifications/${sent.id}/resend`, {
      method: 'POST',
    });
    expect(resend.status).toBe(201);
    await waitForTimeline(payment.id, 'the duplicate', (t) => notificationsOf(t).length === 2);

    // A notification correctly signed (with the sandbox's Alipay key) but for another amount:
    // verified, tied to the payment, and rejected by the amount check.
    const app = await api.server.deps.db
      .selectFrom('alipay_apps')
      .select('alipay_private_key')
      .where('app_id', '=', shop.accounts.alipay.merchant)
      .executeTakeFirstOrThrow();
    const fields = Object.fromEntries(new URLSearchParams(sent.body));
    delete fields.sign;
    for (const field of ['total_amount', 'receipt_amount', 'buyer_pay_amount', 'invoice_amount']) {
      if (fields[field]) fields[field] = '0.01';
    }
    const tampered = signNotification(fields, createPrivateKey(app.alipay_private_key));
    const rejectedRes = await fetch(`${api.apiOrigin}/notify/alipay/${shop.accounts.alipay.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(tampered).toString(),
    });
    expect(await rejectedRes.text()).toBe('failure');

    const final = await waitForTimeline(payment.id, 'the rejection', (t) => notificationsOf(t).length === 3);
    expect(final.has_more).toBe(false);
    expect(final.data.map((e) => [e.type, e.outcome ?? e.event_type])).toEqual([
      ['notification', 'applied'],
      ['state_change', 'payment.succeeded'],
      ['notification', 'duplicate'],
      ['notification', 'rejected'],
    ]);
    expect(final.data[3]?.reason).toMatch(/amount/);
    const times = final.data.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // A forged notification (no valid signature) is recorded, but nothing in it can be
    // trusted, not even the payment id: it is not tied to the payment, so not on its timeline.
    const forged = await fetch(`${api.apiOrigin}/notify/alipay/${shop.accounts.alipay.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, sign: 'Zm9yZ2Vk', out_trade_no: payment.id }).toString(),
    });
    expect(await forged.text()).toBe('failure');
    const recorded = await api.server.tdb.owner
      .selectFrom('provider_notifications')
      .select(['outcome', 'payment_id'])
      .where('merchant_account_id', '=', shop.accounts.alipay.id)
      .where('body', 'like', '%Zm9yZ2Vk%')
      .execute();
    expect(recorded).toEqual([{ outcome: 'rejected', payment_id: null }]);
    const after = await timeline(payment.id);
    expect(notificationsOf(after.body)).toHaveLength(3);

    // Nothing of the raw notifications (bodies, signatures, payer details) leaks.
    const secrets = await secretsOf(payment.id);
    expect(secrets.length).toBeGreaterThan(3);
    for (const secret of secrets) expect(after.text).not.toContain(secret);
    expect(after.text).not.toMatch(/"(body|headers|sign|signature)"/);
  });

  it('shows a WeChat Pay notification without its signature headers or encrypted body', async () => {
    const payment = await createPayment('wechat.native');
    const paid = await fetch(`${adminBase('wechatpay')}/orders/${payment.id}/pay`, { method: 'POST' });
    expect(paid.status).toBe(200);
    const t = await waitForTimeline(payment.id, 'applied', (x) => x.data.length === 2);
    expect(t.data.map((e) => [e.type, e.outcome ?? e.event_type])).toEqual([
      ['notification', 'applied'],
      ['state_change', 'payment.succeeded'],
    ]);
    expect(t.data[0]).toMatchObject({ provider: 'wechatpay' });
    const { text } = await timeline(payment.id);
    const secrets = await secretsOf(payment.id);
    // body, ciphertext, nonce, wechatpay-signature, -nonce, -serial, -timestamp
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text.toLowerCase()).not.toContain('wechatpay-signature');
  });

  it('shows the provider query a test-helper payment makes, and a refund’s state change', async () => {
    const payment = await createPayment('alipay.qr', 1000);
    // The helper has the sandbox pay, then queries the provider as the sync job would.
    const paid = await call('POST', `/v1/test_helpers/payments/${payment.id}/pay`);
    expect(paid.status, await paid.clone().text()).toBe(200);
    const refund = await call('POST', '/v1/refunds', shop.key, { payment: payment.id, amount: 400 });
    expect(refund.status, await refund.clone().text()).toBe(201);
    const refundId = ((await refund.json()) as { id: string }).id;
    // The sandbox's own notification races the helper's query; wait until it has arrived.
    const t = await waitForTimeline(payment.id, 'the notification', (x) => notificationsOf(x).length >= 1);

    const query = t.data.find((e) => e.type === 'provider_query');
    expect(query).toMatchObject({ outcome: 'succeeded', provider_status: 'TRADE_SUCCESS', refund: null });
    expect(Object.keys(query ?? {}).sort()).toEqual(['at', 'outcome', 'provider_status', 'refund', 'type']);
    const changes = t.data.filter((e) => e.type === 'state_change');
    expect(changes.map((e) => [e.event_type, e.object, e.status])).toEqual([
      ['payment.succeeded', payment.id, 'succeeded'],
      ['refund.succeeded', refundId, 'succeeded'],
    ]);
    // Exactly one of the query and the notification applied the success; the other was a no-op.
    const notification = notificationsOf(t)[0];
    expect(['applied', 'duplicate']).toContain(notification?.outcome);
    const times = t.data.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(t.data.indexOf(query as Entry)).toBeLessThan(t.data.indexOf(changes[1] as Entry));
  });

  it("answers 404 for another tenant's payment, a malformed id, or an unknown one", async () => {
    const theirs = (await (
      await call('POST', '/v1/payments', other.key, {
        amount: 100,
        currency: 'CNY',
        channel: 'alipay.qr',
        description: 'theirs',
        merchant_order_id: `tl-${randomUUID().slice(0, 12)}`,
      })
    ).json()) as { id: string };
    for (const id of [theirs.id, 'pay_00000000000000000000000000', 'nope']) {
      const res = await call('GET', `/v1/payments/${id}/timeline`);
      expect(res.status, id).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await call('GET', `/v1/payments/${theirs.id}/timeline`, other.key)).status).toBe(200);
  });
});
