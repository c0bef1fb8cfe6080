process.env.TZ = 'Asia/Shanghai'; // the SDK stamps requests in local time

import { AlipayRequestError, type AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDate } from '../src/bills/day-activity.ts';
import {
  type AlipayTestApp,
  admin,
  alipaySdk,
  createAlipayApp,
  outTradeNo,
} from './support/alipay-client.ts';
import { type SandboxServer, startSandboxServer } from './support/sandbox-server.ts';

let server: SandboxServer;
let app: AlipayTestApp;
let sdk: AlipaySdk;

beforeAll(async () => {
  server = await startSandboxServer();
  app = await createAlipayApp(server);
  sdk = alipaySdk(server, app);
});

afterAll(async () => {
  await server?.close();
});

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  const res = await admin(server, '/faults', { provider: 'alipay', merchant: app.app_id, ...fault });
  expect(res.status).toBe(201);
}

async function refusal(call: Promise<unknown>): Promise<AlipayRequestError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AlipayRequestError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const yesterday = () => shanghaiDate(new Date(server.deps.now().getTime() - 86_400_000));

/** Each method with a request whose normal answer is known. */
const calls: Array<[string, () => Record<string, unknown>, (r: Record<string, unknown>) => void]> = [
  [
    'alipay.trade.precreate',
    () => ({ outTradeNo: outTradeNo('F'), totalAmount: '1.00', subject: 's' }),
    (r) => expect(r.code).toBe('10000'),
  ],
  [
    'alipay.trade.query',
    () => ({ outTradeNo: 'NONE' }),
    (r) => expect(r.subCode).toBe('ACQ.TRADE_NOT_EXIST'),
  ],
  [
    'alipay.trade.close',
    () => ({ outTradeNo: 'NONE' }),
    (r) => expect(r.subCode).toBe('ACQ.TRADE_NOT_EXIST'),
  ],
  [
    'alipay.trade.refund',
    () => ({ outTradeNo: 'NONE', refundAmount: '1.00' }),
    (r) => expect(r.subCode).toBe('ACQ.TRADE_NOT_EXIST'),
  ],
  [
    'alipay.trade.fastpay.refund.query',
    () => ({ outTradeNo: 'NONE', outRequestNo: 'R' }),
    (r) => expect(r.subCode).toBe('ACQ.TRADE_NOT_EXIST'),
  ],
  [
    'alipay.data.dataservice.bill.downloadurl.query',
    () => ({ billType: 'trade', billDate: yesterday() }),
    (r) => expect(r.code).toBe('10000'),
  ],
];

describe('injected faults on the v2 gateway', () => {
  it.each(calls)(
    '%s: an error fault answers its HTTP status, once (count honoured)',
    async (method, biz, normal) => {
      await injectFault({ endpoint: method, status: 503, count: 1 });
      const failed = await refusal(sdk.exec(method, { bizContent: biz() }, { validateSign: true }));
      expect(failed.message).toContain('status: 503');
      normal(await sdk.exec(method, { bizContent: biz() }, { validateSign: true }));
    },
  );

  it('a 200 fault without a body is a signed Alipay 20000 "unavailable" reply', async () => {
    await injectFault({ endpoint: 'alipay.trade.query', status: 200, count: 1 });
    const result = await sdk.exec(
      'alipay.trade.query',
      { bizContent: { outTradeNo: 'NONE' } },
      { validateSign: true },
    );
    expect(result).toMatchObject({
      code: '20000',
      msg: 'Service Currently Unavailable',
      subCode: 'isp.unknow-error',
    });
  });

  it('a fault with a body answers exactly that body', async () => {
    await injectFault({
      endpoint: 'alipay.trade.query',
      status: 502,
      body: '<html>Bad Gateway</html>',
      count: 1,
    });
    const failed = await refusal(sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'NONE' } }));
    expect(failed.responseDataRaw).toBe('<html>Bad Gateway</html>');
  });

  it('a latency fault delays the answer, then the next call is fast again', async () => {
    await injectFault({ endpoint: 'alipay.trade.close', latency_ms: 400, count: 1 });
    const timed = async () => {
      const started = performance.now();
      const result = await sdk.exec(
        'alipay.trade.close',
        { bizContent: { outTradeNo: 'NONE' } },
        { validateSign: true },
      );
      expect(result.subCode).toBe('ACQ.TRADE_NOT_EXIST');
      return performance.now() - started;
    };
    expect(await timed()).toBeGreaterThanOrEqual(400);
    expect(await timed()).toBeLessThan(400);
  });

  it("a fault for another app leaves this app's calls alone", async () => {
    const other = await createAlipayApp(server);
    await admin(server, '/faults', {
      provider: 'alipay',
      merchant: other.app_id,
      endpoint: 'alipay.trade.refund',
      status: 500,
    });
    const result = await sdk.exec('alipay.trade.refund', {
      bizContent: { outTradeNo: 'NONE', refundAmount: '1.00' },
    });
    expect(result.subCode).toBe('ACQ.TRADE_NOT_EXIST');
  });

  it('page pay and app pay can fail too', async () => {
    await injectFault({ endpoint: 'alipay.trade.page.pay', status: 503, count: 1 });
    const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
      bizContent: {
        outTradeNo: outTradeNo('F'),
        productCode: 'FAST_INSTANT_TRADE_PAY',
        totalAmount: '1.00',
        subject: 's',
      },
    });
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(503);
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);

    await injectFault({ endpoint: 'alipay.trade.app.pay', status: 503, count: 1 });
    const order = sdk.sdkExec('alipay.trade.app.pay', {
      bizContent: { outTradeNo: outTradeNo('F'), totalAmount: '1.00', subject: 's' },
    });
    expect((await fetch(`${server.sandboxUrl}/alipay/app-pay`, { method: 'POST', body: order })).status).toBe(
      503,
    );
    expect((await fetch(`${server.sandboxUrl}/alipay/app-pay`, { method: 'POST', body: order })).status).toBe(
      200,
    );
  });

  it('the bill download itself can fail (endpoint bill.download)', async () => {
    const link = await sdk.exec('alipay.data.dataservice.bill.downloadurl.query', {
      bizContent: { billType: 'trade', billDate: yesterday() },
    });
    await injectFault({ endpoint: 'bill.download', status: 500, count: 1 });
    expect((await fetch(link.billDownloadUrl as string)).status).toBe(500);
    expect((await fetch(link.billDownloadUrl as string)).status).toBe(200);
  });
});

describe('injected faults on v3', () => {
  it('answer the status with a signed v3 error body, count honoured', async () => {
    await injectFault({ endpoint: 'alipay.trade.precreate', status: 503, count: 2 });
    const body = () => ({ body: { out_trade_no: outTradeNo('F'), total_amount: '1.00', subject: 's' } });
    for (let i = 0; i < 2; i += 1) {
      const failed = await refusal(sdk.curl('POST', '/v3/alipay/trade/precreate', body()));
      expect(failed.responseHttpStatus).toBe(503);
      expect(failed.code).toBe('unknow-error');
    }
    const ok = await sdk.curl('POST', '/v3/alipay/trade/precreate', body());
    expect(ok.responseHttpStatus).toBe(200);
  });

  it('a latency fault delays a v3 call', async () => {
    await injectFault({ endpoint: 'alipay.trade.query', latency_ms: 300, count: 1 });
    const started = performance.now();
    await refusal(sdk.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: 'NONE' } }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });
});
