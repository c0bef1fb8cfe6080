import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decryptAead } from '../src/crypto/aead.ts';
import type { MerchantBundle } from '../src/wechatpay/merchants/issue-merchant.ts';
import { rfc3339Shanghai } from '../src/wechatpay/time.ts';
import {
  type NotifyReceiver,
  type SandboxServer,
  startNotifyReceiver,
  startSandboxServer,
} from './support/sandbox-server.ts';
import {
  adminGet,
  adminPost,
  createMerchant,
  newOutNo,
  sdkFor,
  type TrustingPay,
  type WireResponse,
  wechatpaySignatureValid,
} from './support/wechatpay-client.ts';

// How the simulated WeChat Pay behaves: order lifecycle, idempotency, refunds.

let server: SandboxServer;
let receiver: NotifyReceiver;
let merchant: MerchantBundle;
let pay: TrustingPay;

beforeAll(async () => {
  server = await startSandboxServer();
  receiver = await startNotifyReceiver();
  merchant = await createMerchant(server.sandboxUrl);
  pay = sdkFor(merchant, server.sandboxUrl);
});
afterAll(async () => {
  await receiver?.close();
  await server?.close();
});

type Params = Parameters<TrustingPay['transactions_native']>[0];
const params = (overrides: Partial<Params> = {}): Params => ({
  description: 'Provider test',
  out_trade_no: newOutNo(),
  notify_url: receiver.url,
  amount: { total: 1000, currency: 'CNY' },
  ...overrides,
});
const native = async (p: Params) => (await pay.transactions_native(p)) as WireResponse;
const query = async (outTradeNo: string) => (await pay.query({ out_trade_no: outTradeNo })) as WireResponse;
const admin = (outTradeNo: string, action: 'pay' | 'fail') =>
  adminPost(server.sandboxUrl, `/wechatpay/merchants/${merchant.mchid}/orders/${outTradeNo}/${action}`);
const refund = async (body: Parameters<TrustingPay['refunds']>[0]) =>
  (await pay.refunds(body)) as unknown as WireResponse;

async function paidOrder(total = 1000) {
  const p = params({ amount: { total, currency: 'CNY' } });
  expect((await native(p)).status).toBe(200);
  expect((await admin(p.out_trade_no, 'pay')).status).toBe(200);
  return p.out_trade_no;
}

describe('order lifecycle', () => {
  it('keeps an order payable for 2 hours by default', async () => {
    const p = params();
    await native(p);
    const { json } = await adminGet(
      server.sandboxUrl,
      `/wechatpay/merchants/${merchant.mchid}/orders/${p.out_trade_no}`,
    );
    const expiresInMs = new Date(json.time_expire).getTime() - Date.now();
    expect(expiresInMs).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(expiresInMs).toBeLessThanOrEqual(2 * 3_600_000 + 1_000);
  });

  it('closes an unpaid order at its time_expire: query shows CLOSED and paying is refused', async () => {
    const p = params({ time_expire: rfc3339Shanghai(new Date(Date.now() + 60_000)) });
    expect((await native(p)).status).toBe(200);
    expect((await query(p.out_trade_no)).data.trade_state).toBe('NOTPAY');
    server.advanceClock(90_000); // past time_expire, still inside the 5-minute signature window
    try {
      expect((await query(p.out_trade_no)).data).toMatchObject({
        trade_state: 'CLOSED',
        trade_state_desc: '订单已关闭',
      });
      const paid = await admin(p.out_trade_no, 'pay');
      expect(paid.status).toBe(409);
      expect(paid.json.status).toBe('closed');
      expect(((await pay.close(p.out_trade_no)) as WireResponse).status).toBe(204);
    } finally {
      server.advanceClock(-90_000);
    }
  });

  it('rejects a time_expire in the past or without an offset', async () => {
    const past = await native(params({ time_expire: rfc3339Shanghai(new Date(Date.now() - 1_000)) }));
    expect(past.status).toBe(400);
    expect(past.data.code).toBe('INVALID_REQUEST');
    const local = await native(params({ time_expire: '2030-01-01T00:00:00' }));
    expect(local.status).toBe(400);
    expect(local.data.code).toBe('PARAM_ERROR');
  });

  it('refuses to pay a closed order, closes re-entrantly, and will not close a paid one', async () => {
    const p = params();
    await native(p);
    expect(((await pay.close(p.out_trade_no)) as WireResponse).status).toBe(204);
    expect((await admin(p.out_trade_no, 'pay')).status).toBe(409);
    expect(((await pay.close(p.out_trade_no)) as WireResponse).status).toBe(204);
    expect((await query(p.out_trade_no)).data.trade_state).toBe('CLOSED');

    const paidNo = await paidOrder();
    const closePaid = (await pay.close(paidNo)) as WireResponse;
    expect(closePaid.status).toBe(400);
    expect(closePaid.data).toEqual({ code: 'ORDERPAID', message: '订单已支付' });
    expect(wechatpaySignatureValid(merchant, closePaid.headers, closePaid.text)).toBe(true);
  });

  it('answers ORDER_NOT_EXIST for unknown orders, and for an unpaid order’s transaction_id', async () => {
    const unknown = await query('NO_SUCH_ORDER_1');
    expect(unknown.status).toBe(404);
    expect(unknown.data).toEqual({ code: 'ORDER_NOT_EXIST', message: '订单不存在' });
    const p = params();
    await native(p);
    const { json } = await adminGet(
      server.sandboxUrl,
      `/wechatpay/merchants/${merchant.mchid}/orders/${p.out_trade_no}`,
    );
    const byId = (await pay.query({ transaction_id: json.trade_no })) as WireResponse;
    expect(byId.status).toBe(404);
    expect(((await pay.close('NO_SUCH_ORDER_2')) as WireResponse).status).toBe(404);
  });
});

describe('placing the same out_trade_no again', () => {
  it('with the same parameters returns the same answer', async () => {
    const p = params();
    const first = await native(p);
    const again = await native(p);
    expect(again.status).toBe(200);
    expect(again.data.code_url).toBe(first.data.code_url);

    const j = { ...params(), payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } };
    const firstJsapi = (await pay.transactions_jsapi(j)) as WireResponse;
    const againJsapi = (await pay.transactions_jsapi(j)) as WireResponse;
    expect(againJsapi.data.package).toBe(firstJsapi.data.package);
  });

  it('with different parameters or through another product is a duplicate order', async () => {
    const p = params();
    await native(p);
    const changed = await native({ ...p, amount: { total: 999, currency: 'CNY' } });
    expect(changed.status).toBe(400);
    expect(changed.data).toEqual({ code: 'INVALID_REQUEST', message: '201 商户订单号重复' });
    const viaH5 = (await pay.transactions_h5({
      ...p,
      scene_info: { payer_client_ip: '203.0.113.9', h5_info: { type: 'Wap', app_name: 'Paymux' } },
    })) as WireResponse;
    expect(viaH5.data.code).toBe('INVALID_REQUEST');
  });

  it('after it was paid or closed reports that state', async () => {
    const p = params();
    await native(p);
    await admin(p.out_trade_no, 'pay');
    expect((await native(p)).data).toEqual({ code: 'ORDERPAID', message: '该订单已支付' });
    const c = params();
    await native(c);
    await pay.close(c.out_trade_no);
    expect((await native(c)).data).toEqual({ code: 'ORDER_CLOSED', message: '订单已关闭' });
  });
});

describe('refunds', () => {
  it('refuses more than the order has left, after partial refunds', async () => {
    const no = await paidOrder(1000);
    const first = await refund({
      out_trade_no: no,
      out_refund_no: newOutNo('R'),
      amount: { refund: 700, total: 1000, currency: 'CNY' },
    });
    expect(first.status).toBe(200);
    const over = await refund({
      out_trade_no: no,
      out_refund_no: newOutNo('R'),
      amount: { refund: 301, total: 1000, currency: 'CNY' },
    });
    expect(over.status).toBe(400);
    expect(over.data).toEqual({ code: 'INVALID_REQUEST', message: '申请退款金额超过订单可退金额' });
    const rest = await refund({
      out_trade_no: no,
      out_refund_no: newOutNo('R'),
      amount: { refund: 300, total: 1000, currency: 'CNY' },
    });
    expect(rest.status).toBe(200);
  });

  it('lets exactly one of two concurrent refunds through when both do not fit', async () => {
    const no = await paidOrder(1000);
    const results = await Promise.all(
      [1, 2].map(() =>
        refund({
          out_trade_no: no,
          out_refund_no: newOutNo('R'),
          amount: { refund: 600, total: 1000, currency: 'CNY' },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it('refuses to refund an unpaid or unknown order, or with the wrong order total', async () => {
    const p = params();
    await native(p);
    const unpaid = await refund({
      out_trade_no: p.out_trade_no,
      out_refund_no: newOutNo('R'),
      amount: { refund: 1, total: 1000, currency: 'CNY' },
    });
    expect(unpaid.status).toBe(404);
    expect(unpaid.data.code).toBe('RESOURCE_NOT_EXISTS');
    const unknown = await refund({
      out_trade_no: 'NO_SUCH_ORDER_3',
      out_refund_no: newOutNo('R'),
      amount: { refund: 1, total: 1, currency: 'CNY' },
    });
    expect(unknown.status).toBe(404);
    const no = await paidOrder(1000);
    const wrongTotal = await refund({
      out_trade_no: no,
      out_refund_no: newOutNo('R'),
      amount: { refund: 1, total: 999, currency: 'CNY' },
    });
    expect(wrongTotal.status).toBe(400);
    expect(wrongTotal.data.code).toBe('INVALID_REQUEST');
    const noCurrency = (await pay.refunds({
      out_trade_no: no,
      out_refund_no: newOutNo('R'),
      amount: { refund: 1, total: 1000 } as never,
    })) as unknown as WireResponse;
    expect(noCurrency.data).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/amount/currency' } });
    const missingRefund = (await pay.find_refunds('NO_SUCH_REFUND')) as unknown as WireResponse;
    expect(missingRefund.status).toBe(404);
    expect(missingRefund.data.code).toBe('RESOURCE_NOT_EXISTS');
  });

  it('treats the same out_refund_no as one refund: same amounts idempotent, other amounts a mismatch', async () => {
    const no = await paidOrder(1000);
    const outRefundNo = newOutNo('R');
    const body = {
      out_trade_no: no,
      out_refund_no: outRefundNo,
      amount: { refund: 500, total: 1000, currency: 'CNY' },
    };
    const first = await refund(body);
    const again = await refund(body);
    expect(again.status).toBe(200);
    expect(again.data.refund_id).toBe(first.data.refund_id);
    const third = await refund({ ...body, out_refund_no: newOutNo('R') });
    expect(third.status).toBe(200); // 500 + 500: the retry above did not count twice
    const mismatch = await refund({ ...body, amount: { refund: 400, total: 1000, currency: 'CNY' } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.data.code).toBe('REFUND_FEE_MISMATCH');
  });

  it('refunds by transaction_id too', async () => {
    const no = await paidOrder(300);
    const transactionId = (await query(no)).data.transaction_id;
    const res = await refund({
      transaction_id: transactionId,
      out_refund_no: newOutNo('R'),
      amount: { refund: 300, total: 300, currency: 'CNY' },
    });
    expect(res.status).toBe(200);
    expect(res.data.out_trade_no).toBe(no);
  });

  it('moves PROCESSING to SUCCESS on its own and notifies REFUND.SUCCESS, encrypted as a refund', async () => {
    const notify = await startNotifyReceiver();
    try {
      const no = await paidOrder(1000);
      const outRefundNo = newOutNo('R');
      const accepted = await refund({
        out_trade_no: no,
        out_refund_no: outRefundNo,
        notify_url: notify.url,
        amount: { refund: 250, total: 1000, currency: 'CNY' },
      });
      expect(accepted.data.status).toBe('PROCESSING');
      expect(accepted.data.success_time).toBeUndefined();
      const [request] = await notify.waitFor(1);
      expect(wechatpaySignatureValid(merchant, request?.headers ?? {}, request?.body ?? '')).toBe(true);
      const envelope = JSON.parse(request?.body ?? '{}');
      expect(envelope).toMatchObject({
        event_type: 'REFUND.SUCCESS',
        summary: '退款成功',
        resource: { original_type: 'refund', associated_data: 'refund' },
      });
      const resource = JSON.parse(
        decryptAead(merchant.apiv3_key, {
          ciphertext: envelope.resource.ciphertext,
          nonce: envelope.resource.nonce,
          associatedData: envelope.resource.associated_data,
        }),
      );
      expect(resource).toMatchObject({
        mchid: merchant.mchid,
        out_trade_no: no,
        out_refund_no: outRefundNo,
        refund_id: accepted.data.refund_id,
        refund_status: 'SUCCESS',
        amount: { total: 1000, refund: 250, payer_total: 1000, payer_refund: 250 },
      });
      expect(resource.success_time).toMatch(/\+08:00$/);
      const found = (await pay.find_refunds(outRefundNo)) as unknown as WireResponse;
      expect(found.data.status).toBe('SUCCESS');
    } finally {
      await notify.close();
    }
  });
});

describe('refund outcomes decided by the admin', () => {
  // Real-time refunds (3 s processing) so the admin acts while the refund is PROCESSING.
  let slow: SandboxServer;
  let m: MerchantBundle;
  let p: TrustingPay;
  let notify: NotifyReceiver;

  beforeAll(async () => {
    slow = await startSandboxServer({ timeFactor: 1 });
    notify = await startNotifyReceiver();
    m = await createMerchant(slow.sandboxUrl);
    p = sdkFor(m, slow.sandboxUrl);
  });
  afterAll(async () => {
    await notify?.close();
    await slow?.close();
  });

  async function processingRefund(total: number, amount: number) {
    const outTradeNo = newOutNo();
    await p.transactions_native({
      description: 'Slow',
      out_trade_no: outTradeNo,
      notify_url: notify.url,
      amount: { total },
    });
    await adminPost(slow.sandboxUrl, `/wechatpay/merchants/${m.mchid}/orders/${outTradeNo}/pay`);
    const outRefundNo = newOutNo('R');
    const res = (await p.refunds({
      out_trade_no: outTradeNo,
      out_refund_no: outRefundNo,
      notify_url: notify.url,
      amount: { refund: amount, total, currency: 'CNY' },
    })) as unknown as WireResponse;
    expect(res.data.status).toBe('PROCESSING');
    return { outTradeNo, outRefundNo };
  }

  const decide = (outRefundNo: string, outcome: 'succeed' | 'abnormal' | 'close') =>
    adminPost(slow.sandboxUrl, `/wechatpay/merchants/${m.mchid}/refunds/${outRefundNo}/${outcome}`);

  const eventsFor = (outRefundNo: string) =>
    notify.received
      .map((r) => JSON.parse(r.body))
      .filter((e) => e.event_type.startsWith('REFUND.'))
      .map((e) => ({
        type: e.event_type as string,
        resource: JSON.parse(
          decryptAead(m.apiv3_key, {
            ciphertext: e.resource.ciphertext,
            nonce: e.resource.nonce,
            associatedData: e.resource.associated_data,
          }),
        ),
      }))
      .filter((e) => e.resource.out_refund_no === outRefundNo);

  it('ABNORMAL: notified, shown on query, and the amount stays reserved', async () => {
    const { outTradeNo, outRefundNo } = await processingRefund(500, 500);
    const decided = await decide(outRefundNo, 'abnormal');
    expect(decided.json.status).toBe('ABNORMAL');
    await vi.waitFor(() => expect(eventsFor(outRefundNo).map((e) => e.type)).toEqual(['REFUND.ABNORMAL']));
    expect(((await p.find_refunds(outRefundNo)) as unknown as WireResponse).data.status).toBe('ABNORMAL');
    const retry = (await p.refunds({
      out_trade_no: outTradeNo,
      out_refund_no: newOutNo('R'),
      amount: { refund: 1, total: 500, currency: 'CNY' },
    })) as unknown as WireResponse;
    expect(retry.status).toBe(400);
    expect((await decide(outRefundNo, 'succeed')).status).toBe(409);
  });

  it('CLOSED: notified, and the order can be refunded again with a new out_refund_no', async () => {
    const { outTradeNo, outRefundNo } = await processingRefund(500, 500);
    expect((await decide(outRefundNo, 'close')).json.status).toBe('CLOSED');
    await vi.waitFor(() => expect(eventsFor(outRefundNo).map((e) => e.type)).toEqual(['REFUND.CLOSED']));
    expect(eventsFor(outRefundNo)[0]?.resource.success_time).toBeUndefined();
    const again = (await p.refunds({
      out_trade_no: outTradeNo,
      out_refund_no: newOutNo('R'),
      amount: { refund: 500, total: 500, currency: 'CNY' },
    })) as unknown as WireResponse;
    expect(again.status).toBe(200);
  });

  it('SUCCESS before the processing delay, exactly once', async () => {
    const { outRefundNo } = await processingRefund(800, 300);
    expect((await decide(outRefundNo, 'succeed')).json.status).toBe('SUCCESS');
    await vi.waitFor(() => expect(eventsFor(outRefundNo)).toHaveLength(1));
    expect((await decide(outRefundNo, 'close')).status).toBe(409);
    expect((await decide('NO_SUCH_REFUND', 'close')).status).toBe(404);
  });
});
