import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, type TestKey } from './support/fixtures.ts';
import { type SandboxedApi, signUpWithTestMode, startSandboxedApi } from './support/sandbox-app.ts';

let api: SandboxedApi;
let shop: Awaited<ReturnType<typeof signUpWithTestMode>>;
let other: Awaited<ReturnType<typeof signUpWithTestMode>>;

beforeAll(async () => {
  api = await startSandboxedApi();
  shop = await signUpWithTestMode(api);
  other = await signUpWithTestMode(api);
}, 60_000);
afterAll(() => api.close());

async function call(
  method: string,
  path: string,
  key: TestKey,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const h: Record<string, string> = { authorization: `Bearer ${await mintToken(key)}`, ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  return await api.app.request(path, {
    method,
    headers: h,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

interface Payment {
  id: string;
  status: string;
  amount: number;
  amount_refunded: number;
  channel: string;
  merchant_account: string;
  next_action: { type: string; [k: string]: unknown } | null;
  provider_transaction_id: string | null;
  livemode: boolean;
  failure_code: string | null;
}

const orderId = () => `order-${randomUUID().slice(0, 12)}`;

const CHANNELS = [
  ['wechat.native', 'qr_code', {}],
  ['wechat.jsapi', 'jsapi', { payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } }],
  ['wechat.h5', 'redirect', { client_ip: '203.0.113.9', return_url: 'https://shop.example.com/done' }],
  ['wechat.app', 'wechat_app', {}],
  ['alipay.qr', 'qr_code', {}],
  ['alipay.page', 'redirect', { return_url: 'https://shop.example.com/done' }],
  ['alipay.wap', 'redirect', { return_url: 'https://shop.example.com/done' }],
  ['alipay.app', 'alipay_app', {}],
] as const;

async function createPayment(
  channel: string,
  extra: Record<string, unknown> = {},
  amount = 1288,
): Promise<Payment> {
  const res = await call('POST', '/v1/payments', shop.key, {
    amount,
    currency: 'CNY',
    channel,
    description: '测试商品 test item',
    merchant_order_id: orderId(),
    ...extra,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Payment;
}

describe('POST /v1/payments in test mode', () => {
  for (const [channel, actionType, extra] of CHANNELS) {
    it(`creates a ${channel} payment with a ${actionType} next_action, visible in the sandbox`, async () => {
      const payment = await createPayment(channel, extra);
      expect(payment).toMatchObject({ status: 'requires_payment', channel, livemode: false, amount: 1288 });
      expect(payment.next_action?.type).toBe(actionType);
      const provider = channel.startsWith('wechat') ? 'wechatpay' : 'alipay';
      expect(payment.merchant_account).toBe(shop.accounts[provider].id);
      if (channel === 'alipay.app') return; // the app SDK creates the trade only when the app submits it
      if (channel === 'alipay.page' || channel === 'alipay.wap') {
        // Alipay creates these trades when the payer's browser opens the signed gateway URL.
        const browser = await fetch(String(payment.next_action?.url), { redirect: 'manual' });
        expect(browser.status).toBe(302);
        expect(browser.headers.get('location')).toContain('/sandbox/pay/');
      }
      const path =
        provider === 'wechatpay'
          ? `/_admin/wechatpay/merchants/${shop.accounts.wechatpay.merchant}/orders/${payment.id}`
          : `/_admin/alipay/apps/${shop.accounts.alipay.merchant}/orders/${payment.id}`;
      const order = await fetch(`${api.server.sandboxUrl}${path}`);
      expect(order.status).toBe(200);
      expect(await order.json()).toMatchObject({ out_trade_no: payment.id, amount: 1288 });
    });
  }

  it('refuses bad input with field errors and creates nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ channel: 'wechat.jsapi' }, 'payer.openid'],
      [{ channel: 'wechat.h5' }, 'client_ip'],
      [{ amount: 0 }, 'amount'],
      [{ amount: 1.5 }, 'amount'],
      [{ amount: '100' }, 'amount'],
      [{ currency: 'USD' }, 'currency'],
      [{ channel: 'unionpay' }, 'channel'],
      [{ colour: 'red' }, 'colour'],
      [{ expires_in: 5 }, 'expires_in'],
      [{ return_url: 'javascript:alert(1)' }, 'return_url'],
    ];
    for (const [override, path] of cases) {
      const res = await call('POST', '/v1/payments', shop.key, {
        amount: 100,
        currency: 'CNY',
        channel: 'alipay.qr',
        description: 'x',
        merchant_order_id: orderId(),
        ...override,
      });
      expect(res.status, JSON.stringify(override)).toBe(400);
      const problem = (await res.json()) as { errors: Array<{ path: string }> };
      expect(
        problem.errors.map((e) => e.path),
        JSON.stringify(override),
      ).toContain(path);
    }
  });

  it('refuses a second payment with the same merchant_order_id (409), and malformed JSON (400)', async () => {
    const id = orderId();
    const body = {
      amount: 100,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: 'x',
      merchant_order_id: id,
    };
    expect((await call('POST', '/v1/payments', shop.key, body)).status).toBe(201);
    const again = await call('POST', '/v1/payments', shop.key, body);
    expect(again.status).toBe(409);
    const broken = await api.app.request('/v1/payments', {
      method: 'POST',
      headers: { authorization: `Bearer ${await mintToken(shop.key)}`, 'content-type': 'application/json' },
      body: '{"amount": 1',
    });
    expect(broken.status).toBe(400);
  });

  it("routes to a named merchant account, and refuses another tenant's or the wrong provider's", async () => {
    const named = await createPayment('alipay.qr', { merchant_account: shop.accounts.alipay.id });
    expect(named.merchant_account).toBe(shop.accounts.alipay.id);
    const foreign = await call('POST', '/v1/payments', shop.key, {
      amount: 100,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: 'x',
      merchant_order_id: orderId(),
      merchant_account: other.accounts.alipay.id,
    });
    expect(foreign.status).toBe(404);
    const wrongProvider = await call('POST', '/v1/payments', shop.key, {
      amount: 100,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: 'x',
      merchant_order_id: orderId(),
      merchant_account: shop.accounts.wechatpay.id,
    });
    expect(wrongProvider.status).toBe(400);
  });
});

describe('payment lifecycle through test helpers', () => {
  it('pays a payment on every channel: succeeded, with the provider transaction id', async () => {
    for (const [channel, , extra] of CHANNELS) {
      const payment = await createPayment(channel, extra);
      const res = await call('POST', `/v1/test_helpers/payments/${payment.id}/pay`, shop.key);
      expect(res.status, await res.clone().text()).toBe(200);
      const paid = (await res.json()) as Payment;
      expect(paid).toMatchObject({ id: payment.id, status: 'succeeded' });
      expect(paid.provider_transaction_id).toEqual(expect.any(String));
      const fetched = (await (await call('GET', `/v1/payments/${payment.id}`, shop.key)).json()) as Payment;
      expect(fetched.status).toBe('succeeded');
    }
  });

  it('fails a WeChat Pay payment; an Alipay one keeps waiting (Alipay has no failed state)', async () => {
    const wechat = await createPayment('wechat.native');
    const failed = (await (
      await call('POST', `/v1/test_helpers/payments/${wechat.id}/fail`, shop.key)
    ).json()) as Payment;
    expect(failed.status).toBe('failed');
    const alipay = await createPayment('alipay.qr');
    const waiting = (await (
      await call('POST', `/v1/test_helpers/payments/${alipay.id}/fail`, shop.key)
    ).json()) as Payment;
    expect(waiting.status).toBe('requires_payment');
  });

  it('closes an unpaid payment, and refuses to close a paid one', async () => {
    for (const channel of ['wechat.native', 'alipay.qr']) {
      const payment = await createPayment(channel);
      const closed = await call('POST', `/v1/payments/${payment.id}/close`, shop.key);
      expect(closed.status).toBe(200);
      expect(((await closed.json()) as Payment).status).toBe('closed');
      // The payer can no longer pay it.
      expect((await call('POST', `/v1/test_helpers/payments/${payment.id}/pay`, shop.key)).status).toBe(409);
    }
    const paid = await createPayment('alipay.qr');
    await call('POST', `/v1/test_helpers/payments/${paid.id}/pay`, shop.key);
    expect((await call('POST', `/v1/payments/${paid.id}/close`, shop.key)).status).toBe(409);
  });

  it('test helpers are test mode only and own payments only', async () => {
    const payment = await createPayment('alipay.qr');
    expect((await call('POST', `/v1/test_helpers/payments/${payment.id}/pay`, other.key)).status).toBe(404);
  });
});

describe('refunds', () => {
  async function paidPayment(channel: string, amount: number): Promise<Payment> {
    const payment = await createPayment(channel, {}, amount);
    const res = await call('POST', `/v1/test_helpers/payments/${payment.id}/pay`, shop.key);
    expect(res.status).toBe(200);
    return (await res.json()) as Payment;
  }

  it('refunds partially, several times, never beyond what was paid', async () => {
    for (const channel of ['alipay.qr', 'wechat.native']) {
      const payment = await paidPayment(channel, 1000);
      const first = await call('POST', '/v1/refunds', shop.key, {
        payment: payment.id,
        amount: 300,
        reason: 'damaged',
      });
      expect(first.status, await first.clone().text()).toBe(201);
      const refund = (await first.json()) as { status: string; amount: number };
      expect(refund.amount).toBe(300);
      expect(channel === 'alipay.qr' ? ['succeeded'] : ['pending', 'succeeded']).toContain(refund.status);
      expect((await call('POST', '/v1/refunds', shop.key, { payment: payment.id, amount: 600 })).status).toBe(
        201,
      );
      const tooMuch = await call('POST', '/v1/refunds', shop.key, { payment: payment.id, amount: 101 });
      expect(tooMuch.status).toBe(400);
      const rest = await call('POST', '/v1/refunds', shop.key, { payment: payment.id });
      expect(((await rest.json()) as { amount: number }).amount).toBe(100);
      const after = (await (await call('GET', `/v1/payments/${payment.id}`, shop.key)).json()) as Payment;
      expect(after.amount_refunded).toBe(1000);
      const list = (await (await call('GET', `/v1/refunds?payment=${payment.id}`, shop.key)).json()) as {
        data: unknown[];
      };
      expect(list.data).toHaveLength(3);
    }
  });

  it('lets concurrent refunds never exceed the payment', async () => {
    const payment = await paidPayment('alipay.qr', 1000);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('POST', '/v1/refunds', shop.key, { payment: payment.id, amount: 300 }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 400)).toHaveLength(2);
    const after = (await (await call('GET', `/v1/payments/${payment.id}`, shop.key)).json()) as Payment;
    expect(after.amount_refunded).toBe(900);
  });

  it('refuses to refund an unpaid payment', async () => {
    const payment = await createPayment('alipay.qr');
    expect((await call('POST', '/v1/refunds', shop.key, { payment: payment.id })).status).toBe(409);
  });
});

describe('lists', () => {
  it('lists newest first with cursor pagination and filters, only the tenant’s own', async () => {
    const created: string[] = [];
    for (let i = 0; i < 3; i += 1) created.push((await createPayment('alipay.qr')).id);
    const page1 = (await (await call('GET', '/v1/payments?limit=2', shop.key)).json()) as {
      data: Payment[];
      has_more: boolean;
    };
    expect(page1.data.map((p) => p.id)).toEqual([created[2], created[1]]);
    expect(page1.has_more).toBe(true);
    const page2 = (await (
      await call('GET', `/v1/payments?limit=2&starting_after=${created[1]}`, shop.key)
    ).json()) as {
      data: Payment[];
    };
    expect(page2.data[0]?.id).toBe(created[0]);
    const succeeded = (await (
      await call('GET', '/v1/payments?status=succeeded&limit=100', shop.key)
    ).json()) as {
      data: Payment[];
    };
    expect(succeeded.data.every((p) => p.status === 'succeeded')).toBe(true);
    const theirs = (await (await call('GET', '/v1/payments?limit=100', other.key)).json()) as {
      data: Payment[];
    };
    expect(theirs.data.filter((p) => created.includes(p.id))).toEqual([]);
    expect((await call('GET', `/v1/payments/${created[0]}`, other.key)).status).toBe(404);
  });
});
