import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MerchantBundle } from '../src/wechatpay/merchants/issue-merchant.ts';
import { type SandboxServer, startSandboxServer } from './support/sandbox-server.ts';
import {
  adminPost,
  createMerchant,
  newOutNo,
  sdkFor,
  type TrustingPay,
  type WireResponse,
  wechatpaySignatureValid,
} from './support/wechatpay-client.ts';

// Injected faults per endpoint (POST /_admin/faults): latency, error answers, counts, and
// merchant scoping. Error answers are signed like WeChat's own.

let server: SandboxServer;
let merchant: MerchantBundle;
let pay: TrustingPay;

beforeAll(async () => {
  server = await startSandboxServer();
  merchant = await createMerchant(server.sandboxUrl);
  pay = sdkFor(merchant, server.sandboxUrl);
});
afterAll(async () => {
  await server?.close();
});

const inject = async (fault: Record<string, unknown>) => {
  const res = await adminPost(server.sandboxUrl, '/faults', {
    provider: 'wechatpay',
    merchant: merchant.mchid,
    ...fault,
  });
  expect(res.status).toBe(201);
};
const native = async (m = pay) =>
  (await m.transactions_native({
    description: 'Fault test',
    out_trade_no: newOutNo(),
    notify_url: 'https://merchant.example/notify',
    amount: { total: 1 },
  })) as WireResponse;

describe('error injection', () => {
  it('answers SYSTEM_ERROR (signed) exactly `count` times, then behaves again', async () => {
    await inject({ endpoint: 'transactions.native', status: 500, count: 2 });
    for (let i = 0; i < 2; i += 1) {
      const res = await native();
      expect(res.status).toBe(500);
      expect(res.data).toEqual({ code: 'SYSTEM_ERROR', message: '系统错误' });
      expect(wechatpaySignatureValid(merchant, res.headers, res.text)).toBe(true);
    }
    expect((await native()).status).toBe(200);
  });

  it('answers with the injected status and body, for that merchant only', async () => {
    const body = JSON.stringify({ code: 'FREQUENCY_LIMITED', message: '频率超限' });
    await inject({ endpoint: 'transactions.query', status: 429, body, count: 1 });
    const other = await createMerchant(server.sandboxUrl);
    const otherPay = sdkFor(other, server.sandboxUrl);
    const unaffected = (await otherPay.query({ out_trade_no: 'NO_SUCH_ORDER' })) as WireResponse;
    expect(unaffected.status).toBe(404);
    const limited = (await pay.query({ out_trade_no: 'NO_SUCH_ORDER' })) as WireResponse;
    expect(limited.status).toBe(429);
    expect(limited.text).toBe(body);
  });

  it('applies to every endpoint by name', async () => {
    const cases: Array<[string, () => Promise<WireResponse>]> = [
      [
        'transactions.jsapi',
        async () =>
          (await pay.transactions_jsapi({
            description: 'x',
            out_trade_no: newOutNo(),
            notify_url: 'https://m.example/n',
            amount: { total: 1 },
            payer: { openid: 'o1' },
          })) as WireResponse,
      ],
      ['transactions.close', async () => (await pay.close(newOutNo())) as WireResponse],
      [
        'refunds.create',
        async () =>
          (await pay.refunds({
            out_trade_no: newOutNo(),
            out_refund_no: newOutNo('R'),
            amount: { refund: 1, total: 1, currency: 'CNY' },
          })) as unknown as WireResponse,
      ],
      ['refunds.query', async () => (await pay.find_refunds(newOutNo('R'))) as unknown as WireResponse],
      [
        'bill.tradebill',
        async () => (await pay.tradebill({ bill_date: '2020-01-01', bill_type: 'ALL' })) as WireResponse,
      ],
      [
        'bill.download',
        async () =>
          (await pay.downloadBill(
            'https://api.mch.weixin.qq.com/v3/billdownload/file?token=x',
          )) as WireResponse,
      ],
      [
        'certificates',
        async () =>
          await pay.get_certificates(merchant.apiv3_key).then(
            () => pay.lastExchange(),
            () => pay.lastExchange(),
          ),
      ],
    ];
    for (const [endpoint, call] of cases) {
      await inject({
        endpoint,
        status: 503,
        body: '{"code":"SERVICE_UNAVAILABLE","message":"服务不可用"}',
        count: 1,
      });
      const res = await call();
      expect({ endpoint, status: res.status, code: res.data?.code }).toEqual({
        endpoint,
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
    }
  });
});

describe('latency injection', () => {
  it('delays the answer without changing it, `count` times', async () => {
    await inject({ endpoint: 'transactions.app', latency_ms: 400, count: 1 });
    const app = () =>
      pay.transactions_app({
        description: 'slow',
        out_trade_no: newOutNo(),
        notify_url: 'https://m.example/n',
        amount: { total: 1 },
      });
    let started = performance.now();
    const slow = (await app()) as WireResponse;
    const slowMs = performance.now() - started;
    expect(slow.status).toBe(200);
    expect(slowMs).toBeGreaterThanOrEqual(390);
    started = performance.now();
    expect(((await app()) as WireResponse).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(300);
  });
});
