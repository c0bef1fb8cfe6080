import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from './support/fixtures.ts';
import { type SandboxedApi, signUpWithTestMode, startSandboxedApi } from './support/sandbox-app.ts';

let api: SandboxedApi;
let shop: Awaited<ReturnType<typeof signUpWithTestMode>>;

beforeAll(async () => {
  api = await startSandboxedApi();
  shop = await signUpWithTestMode(api);
}, 60_000);
afterAll(() => api.close());

async function get(path: string) {
  return await api.app.request(path, { headers: { authorization: `Bearer ${await mintToken(shop.key)}` } });
}

async function createPayment(channel: string): Promise<{ id: string }> {
  const res = await api.app.request('/v1/payments', {
    method: 'POST',
    headers: { authorization: `Bearer ${await mintToken(shop.key)}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      amount: 2500,
      currency: 'CNY',
      channel,
      description: 'notified',
      merchant_order_id: `n-${randomUUID().slice(0, 12)}`,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

async function waitForStatus(id: string, status: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const payment = (await (await get(`/v1/payments/${id}`)).json()) as { status: string };
    if (payment.status === status) return payment;
    if (Date.now() > deadline) throw new Error(`payment ${id} is ${payment.status}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('provider notifications settle payments', () => {
  for (const [channel, provider] of [
    ['wechat.native', 'wechatpay'],
    ['alipay.qr', 'alipay'],
  ] as const) {
    it(`applies a verified ${provider} notification once: one event, the provider acknowledged`, async () => {
      const payment = await createPayment(channel);
      const base =
        provider === 'wechatpay'
          ? `/_admin/wechatpay/merchants/${shop.accounts.wechatpay.merchant}`
          : `/_admin/alipay/apps/${shop.accounts.alipay.merchant}`;
      // The payer pays at the "provider": no test helper, only the notification tells Paymux.
      const paid = await fetch(`${api.server.sandboxUrl}${base}/orders/${payment.id}/pay`, {
        method: 'POST',
      });
      expect(paid.status).toBe(200);
      await waitForStatus(payment.id, 'succeeded');
      const events = await api.server.tdb.owner
        .selectFrom('events')
        .select(['type', 'data'])
        .where('object_id', '=', payment.id)
        .execute();
      expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
      // The sandbox recorded that Paymux acknowledged exactly as the provider requires. It
      // records the answer after receiving it, which may be after Paymux's commit is visible.
      type Log = {
        data: Array<{ status: string; attempt_log: Array<{ status_code: number; response_body: string }> }>;
      };
      const readLog = async () =>
        (await (
          await fetch(`${api.server.sandboxUrl}${base}/orders/${payment.id}/notifications`)
        ).json()) as Log;
      let log = await readLog();
      for (
        const deadline = Date.now() + 5_000;
        log.data[0]?.status !== 'delivered' && Date.now() < deadline;
      ) {
        await new Promise((r) => setTimeout(r, 20));
        log = await readLog();
      }
      expect(log.data[0]?.status).toBe('delivered');
      const last = log.data[0]?.attempt_log.at(-1);
      if (provider === 'alipay') expect(last?.response_body).toBe('success');
      else expect(last?.status_code).toBe(204);
      const recorded = await api.server.tdb.owner
        .selectFrom('provider_notifications')
        .select('outcome')
        .where('payment_id', '=', payment.id)
        .execute();
      expect(recorded.map((r) => r.outcome)).toEqual(['applied']);
    });
  }

  it('refuses a notification for an unknown merchant account, with the provider failure answer', async () => {
    const res = await fetch(`${api.apiOrigin}/notify/alipay/mca_00000000000000000000000000`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'notify_id=1&sign=x',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('failure');
  });
});
