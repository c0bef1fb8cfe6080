// See alipay-sdk-v2.test.ts: the SDK's v2 calls stamp local time; keep Beijing time here too.
process.env.TZ = 'Asia/Shanghai';

import { AlipayRequestError, type AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDate } from '../src/bills/day-activity.ts';
import {
  type AlipayTestApp,
  alipaySdk,
  createAlipayApp,
  eventually,
  notificationsFor,
  openPayerPage,
  outTradeNo,
  payAtPayerPage,
} from './support/alipay-client.ts';
import {
  type NotifyReceiver,
  type SandboxServer,
  startNotifyReceiver,
  startSandboxServer,
} from './support/sandbox-server.ts';

let server: SandboxServer;
let receiver: NotifyReceiver;
let app: AlipayTestApp;
let sdk: AlipaySdk;

beforeAll(async () => {
  server = await startSandboxServer();
  receiver = await startNotifyReceiver();
  receiver.respond = () => ({ status: 200, body: 'success' });
  app = await createAlipayApp(server);
  sdk = alipaySdk(server, app);
});

afterAll(async () => {
  await receiver?.close();
  await server?.close();
});

/** The SDK's rejection, for assertions on its code and HTTP status. */
async function rejection(call: Promise<unknown>): Promise<AlipayRequestError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AlipayRequestError) return error;
    throw error;
  }
  throw new Error('expected the call to be refused');
}

describe('curl() against the OpenAPI v3 endpoints (the SDK verifies every response signature)', () => {
  it('precreate, query, pay, refund and refund query round-trip', async () => {
    const no = outTradeNo('V');
    const created = await sdk.curl<{ out_trade_no: string; qr_code: string }>(
      'POST',
      '/v3/alipay/trade/precreate',
      {
        body: { out_trade_no: no, total_amount: '9.90', subject: 'v3 订单', notify_url: receiver.url },
      },
    );
    expect(created.responseHttpStatus).toBe(200);
    expect(created.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.data).toEqual({ out_trade_no: no, qr_code: expect.stringContaining('/pay/') });

    const unseen = await rejection(
      sdk.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: no } }),
    );
    expect(unseen.code).toBe('ACQ.TRADE_NOT_EXIST');
    expect(unseen.responseHttpStatus).toBe(400);

    await payAtPayerPage(created.data.qr_code);
    const paid = await sdk.curl('GET', '/v3/alipay/trade/query', {
      query: { out_trade_no: no, query_options: 'fund_bill_list' },
    });
    expect(paid.data).toMatchObject({
      out_trade_no: no,
      trade_status: 'TRADE_SUCCESS',
      total_amount: '9.90',
      buyer_pay_amount: '9.90',
      fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: '9.90' }],
    });
    // v3 data is not camel-cased and has no code/msg wrapper.
    expect(paid.data.code).toBeUndefined();

    const refund = await sdk.curl('POST', '/v3/alipay/trade/refund', {
      body: { out_trade_no: no, refund_amount: '1.90', out_request_no: 'V3-R1' },
    });
    expect(refund.data).toMatchObject({ fund_change: 'Y', refund_fee: '1.90', out_trade_no: no });
    const refundQuery = await sdk.curl('POST', '/v3/alipay/trade/fastpay/refund/query', {
      body: { out_trade_no: no, out_request_no: 'V3-R1', query_options: ['gmt_refund_pay'] },
    });
    expect(refundQuery.data).toMatchObject({
      refund_status: 'REFUND_SUCCESS',
      refund_amount: '1.90',
      total_amount: '9.90',
    });
    expect(refundQuery.data.gmt_refund_pay).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const over = await rejection(
      sdk.curl('POST', '/v3/alipay/trade/refund', {
        body: { out_trade_no: no, refund_amount: '8.01', out_request_no: 'V3-R2' },
      }),
    );
    expect(over.code).toBe('ACQ.REASON_TRADE_REFUND_FEE_ERR');

    const forms = await eventually(() => {
      const found = notificationsFor(receiver.received, no);
      return found.length >= 2 ? found : undefined;
    });
    for (const form of forms) expect(sdk.checkNotifySignV2(form)).toBe(true);
  });

  it('the POST form of trade/query works too', async () => {
    const no = outTradeNo('V');
    const created = await sdk.curl('POST', '/v3/alipay/trade/precreate', {
      body: { out_trade_no: no, total_amount: '1.00', subject: 's' },
    });
    await openPayerPage(created.data.qr_code);
    const waiting = await sdk.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: no } });
    expect(waiting.data.trade_status).toBe('WAIT_BUYER_PAY');
  });

  it('close refuses a paid trade and closes a waiting one', async () => {
    const paidNo = outTradeNo('V');
    const paid = await sdk.curl('POST', '/v3/alipay/trade/precreate', {
      body: { out_trade_no: paidNo, total_amount: '3.00', subject: 's' },
    });
    await payAtPayerPage(paid.data.qr_code);
    const refused = await rejection(
      sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: paidNo } }),
    );
    expect(refused.code).toBe('ACQ.TRADE_STATUS_ERROR');

    const waitingNo = outTradeNo('V');
    const waiting = await sdk.curl('POST', '/v3/alipay/trade/precreate', {
      body: { out_trade_no: waitingNo, total_amount: '3.00', subject: 's' },
    });
    await openPayerPage(waiting.data.qr_code);
    const closed = await sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: waitingNo } });
    expect(closed.data).toMatchObject({ out_trade_no: waitingNo });
  });

  it('bill download URL: yesterday yes, today no', async () => {
    const yesterday = shanghaiDate(new Date(server.deps.now().getTime() - 86_400_000));
    const link = await sdk.curl('GET', '/v3/alipay/data/dataservice/bill/downloadurl/query', {
      query: { bill_type: 'trade', bill_date: yesterday },
    });
    expect(link.data.bill_download_url).toMatch(`${server.sandboxUrl}/alipay/bills/`);
    const today = await rejection(
      sdk.curl('GET', '/v3/alipay/data/dataservice/bill/downloadurl/query', {
        query: { bill_type: 'trade', bill_date: shanghaiDate(server.deps.now()) },
      }),
    );
    expect(today.code).toBe('bill_not_exist');
  });

  it('a request signed with another key is refused with 401 invalid-signature', async () => {
    const other = await createAlipayApp(server);
    const impostor = alipaySdk(server, { ...app, app_private_key: other.app_private_key });
    const refused = await rejection(
      impostor.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: 'x' } }),
    );
    expect(refused.responseHttpStatus).toBe(401);
    expect(refused.code).toBe('invalid-signature');
  });

  it('a response signed with the wrong Alipay key is caught by the SDK', async () => {
    const other = await createAlipayApp(server);
    const misconfigured = alipaySdk(server, { ...app, alipay_public_key: other.alipay_public_key });
    const refused = await rejection(
      misconfigured.curl('POST', '/v3/alipay/trade/precreate', {
        body: { out_trade_no: outTradeNo('V'), total_amount: '1.00', subject: 's' },
      }),
    );
    expect(refused.code).toBe('response-signature-verify-error');
  });
});
