process.env.TZ = 'Asia/Shanghai'; // the SDK stamps requests in local time

import type { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AlipayTestApp,
  admin,
  alipaySdk,
  createAlipayApp,
  openPayerPage,
  outTradeNo,
  payAtPayerPage,
} from './support/alipay-client.ts';
import { type SandboxServer, startSandboxServer } from './support/sandbox-server.ts';

let server: SandboxServer;
let app: AlipayTestApp;
let sdk: AlipaySdk;

beforeAll(async () => {
  server = await startSandboxServer();
  app = await createAlipayApp(server, '测试商户');
  sdk = alipaySdk(server, app);
});

afterAll(async () => {
  await server?.close();
});

const exec = (method: string, bizContent: Record<string, unknown>) =>
  sdk.exec(method, { bizContent }, { validateSign: true });

async function precreate(bizContent: Record<string, unknown>) {
  const no = (bizContent.outTradeNo as string | undefined) ?? outTradeNo();
  const result = await exec('alipay.trade.precreate', {
    outTradeNo: no,
    totalAmount: '1.00',
    subject: '商品',
    ...bizContent,
  });
  return { no, result, qrCode: result.qrCode as string };
}

async function paidTrade(totalAmount = '1.00') {
  const { no, qrCode } = await precreate({ totalAmount });
  await payAtPayerPage(qrCode);
  return no;
}

describe('apps', () => {
  it('are created with both key pairs and shown later without secrets', async () => {
    expect(app.app_id).toMatch(/^2021\d{12}$/);
    expect(app.seller_id).toMatch(/^2088\d{12}$/);
    expect(app.app_private_key).toContain('-----BEGIN PRIVATE KEY-----');
    expect(app.app_public_key).toContain('-----BEGIN PUBLIC KEY-----');
    expect(app.alipay_public_key).toContain('-----BEGIN PUBLIC KEY-----');
    expect(app.name).toBe('测试商户');
    const res = await fetch(`${server.sandboxUrl}/_admin/alipay/apps/${app.app_id}`);
    const shown = (await res.json()) as Record<string, unknown>;
    expect(shown).toMatchObject({
      app_id: app.app_id,
      seller_id: app.seller_id,
      alipay_public_key: app.alipay_public_key,
    });
    expect(JSON.stringify(shown)).not.toContain('PRIVATE KEY');
    expect((await fetch(`${server.sandboxUrl}/_admin/alipay/apps/2021999999999999`)).status).toBe(404);
    const bad = await admin(server, '/alipay/apps', { name: 42 });
    expect(bad.status).toBe(400);
  });
});

describe('trade lifecycle', () => {
  it('a precreated trade does not exist for query or close until its QR code is opened', async () => {
    const { no, qrCode } = await precreate({});
    expect((await exec('alipay.trade.query', { outTradeNo: no })).subCode).toBe('ACQ.TRADE_NOT_EXIST');
    expect((await exec('alipay.trade.close', { outTradeNo: no })).subCode).toBe('ACQ.TRADE_NOT_EXIST');
    expect((await exec('alipay.trade.refund', { outTradeNo: no, refundAmount: '1.00' })).subCode).toBe(
      'ACQ.TRADE_NOT_EXIST',
    );
    await openPayerPage(qrCode);
    expect((await exec('alipay.trade.query', { outTradeNo: no })).tradeStatus).toBe('WAIT_BUYER_PAY');
  });

  it('a page-pay trade exists once the buyer reaches the cashier', async () => {
    const no = outTradeNo('P');
    const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
      bizContent: {
        outTradeNo: no,
        productCode: 'FAST_INSTANT_TRADE_PAY',
        totalAmount: '1.00',
        subject: 's',
      },
    });
    const redirect = await fetch(url, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const cashier = redirect.headers.get('location') as string;
    expect((await exec('alipay.trade.query', { outTradeNo: no })).subCode).toBe('ACQ.TRADE_NOT_EXIST');
    await openPayerPage(cashier);
    expect((await exec('alipay.trade.query', { outTradeNo: no })).tradeStatus).toBe('WAIT_BUYER_PAY');
  });

  it('an unpaid trade closes at its timeout (timeout_express), and can then not be paid', async () => {
    const { no, qrCode } = await precreate({ timeoutExpress: '5m' });
    await openPayerPage(qrCode);
    server.advanceClock(6 * 60_000);
    try {
      expect((await exec('alipay.trade.query', { outTradeNo: no })).tradeStatus).toBe('TRADE_CLOSED');
      const page = await openPayerPage(qrCode);
      expect(page).toContain('Closed');
      expect(page).not.toMatch(/action="[^"]+\/pay"/);
      const pay = await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/pay`);
      expect(pay.status).toBe(409);
      const again = await exec('alipay.trade.precreate', {
        outTradeNo: no,
        totalAmount: '1.00',
        subject: '商品',
      });
      expect(again.subCode).toBe('ACQ.TRADE_HAS_CLOSE');
    } finally {
      server.advanceClock(-6 * 60_000);
    }
  });

  it('time_expire (Beijing time) sets the deadline too', async () => {
    const deadline = new Date(server.deps.now().getTime() + 90_000 + 8 * 3_600_000)
      .toISOString()
      .slice(0, 19)
      .replace('T', ' ');
    const { no, qrCode } = await precreate({ timeExpire: deadline });
    await openPayerPage(qrCode);
    server.advanceClock(2 * 60_000);
    try {
      expect((await exec('alipay.trade.query', { outTradeNo: no })).tradeStatus).toBe('TRADE_CLOSED');
    } finally {
      server.advanceClock(-2 * 60_000);
    }
    const past = await precreate({ timeExpire: '2020-01-01 00:00:00' });
    expect(past.result.subCode).toBe('ACQ.INVALID_PARAMETER');
  });

  it('a closed trade cannot be paid afterwards', async () => {
    const { no, qrCode } = await precreate({});
    const page = await openPayerPage(qrCode);
    expect((await exec('alipay.trade.close', { outTradeNo: no })).code).toBe('10000');
    const pay = page.match(/action="([^"]+\/pay)"/)?.[1] as string;
    const attempt = await fetch(pay, { method: 'POST', redirect: 'manual' });
    expect(attempt.status).toBe(303);
    expect((await exec('alipay.trade.query', { outTradeNo: no })).tradeStatus).toBe('TRADE_CLOSED');
    expect((await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/pay`)).status).toBe(409);
    expect((await exec('alipay.trade.close', { outTradeNo: no })).subCode).toBe('ACQ.TRADE_STATUS_ERROR');
  });

  it('closing a paid trade is ACQ.TRADE_STATUS_ERROR', async () => {
    const no = await paidTrade();
    expect(await exec('alipay.trade.close', { outTradeNo: no })).toMatchObject({
      code: '40004',
      subCode: 'ACQ.TRADE_STATUS_ERROR',
    });
  });
});

describe('the same out_trade_no again', () => {
  it('with the same parameters is idempotent: the same QR code', async () => {
    const first = await precreate({ subject: '同一笔' });
    const second = await precreate({ outTradeNo: first.no, subject: '同一笔' });
    expect(second.result.code).toBe('10000');
    expect(second.qrCode).toBe(first.qrCode);
  });

  it('with different parameters is ACQ.CONTEXT_INCONSISTENT', async () => {
    const first = await precreate({});
    const changed = await precreate({ outTradeNo: first.no, totalAmount: '2.00' });
    expect(changed.result).toMatchObject({
      code: '40004',
      subCode: 'ACQ.CONTEXT_INCONSISTENT',
      subMsg: '交易信息被篡改',
    });
  });

  it('once paid is ACQ.TRADE_HAS_SUCCESS, whatever the parameters', async () => {
    const no = await paidTrade();
    expect((await precreate({ outTradeNo: no })).result.subCode).toBe('ACQ.TRADE_HAS_SUCCESS');
    expect((await precreate({ outTradeNo: no, totalAmount: '3.00' })).result.subCode).toBe(
      'ACQ.TRADE_HAS_SUCCESS',
    );
  });
});

describe('refunds', () => {
  it('of an unpaid trade are ACQ.TRADE_STATUS_ERROR', async () => {
    const { no, qrCode } = await precreate({});
    await openPayerPage(qrCode);
    const refused = await exec('alipay.trade.refund', { outTradeNo: no, refundAmount: '1.00' });
    expect(refused).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_STATUS_ERROR' });
  });

  it('cannot exceed what was paid', async () => {
    const no = await paidTrade('1.00');
    const tooMuch = await exec('alipay.trade.refund', {
      outTradeNo: no,
      refundAmount: '1.01',
      outRequestNo: 'R1',
    });
    expect(tooMuch).toMatchObject({ subCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', subMsg: '退款金额超限' });
    expect(
      (await exec('alipay.trade.refund', { outTradeNo: no, refundAmount: '0.60', outRequestNo: 'R1' })).code,
    ).toBe('10000');
    const cumulative = await exec('alipay.trade.refund', {
      outTradeNo: no,
      refundAmount: '0.50',
      outRequestNo: 'R2',
    });
    expect(cumulative).toMatchObject({ subCode: 'ACQ.REASON_TRADE_REFUND_FEE_ERR', subMsg: '退款金额无效' });
    const changedAmount = await exec('alipay.trade.refund', {
      outTradeNo: no,
      refundAmount: '0.61',
      outRequestNo: 'R1',
    });
    expect(changedAmount.subCode).toBe('ACQ.DISCORDANT_REPEAT_REQUEST');
    const rest = await exec('alipay.trade.refund', {
      outTradeNo: no,
      refundAmount: '0.40',
      outRequestNo: 'R2',
    });
    expect(rest).toMatchObject({ code: '10000', refundFee: '1.00' });
    const afterFull = await exec('alipay.trade.refund', {
      outTradeNo: no,
      refundAmount: '0.01',
      outRequestNo: 'R3',
    });
    expect(afterFull.subCode).toBe('ACQ.TRADE_HAS_CLOSE');
  });

  it('without out_request_no must be for the full amount, and are then known by the out_trade_no', async () => {
    const no = await paidTrade('2.50');
    const partial = await exec('alipay.trade.refund', { outTradeNo: no, refundAmount: '1.00' });
    expect(partial.subCode).toBe('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
    const full = await exec('alipay.trade.refund', { outTradeNo: no, refundAmount: '2.50' });
    expect(full).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '2.50' });
    const query = await exec('alipay.trade.fastpay.refund.query', { outTradeNo: no, outRequestNo: no });
    expect(query).toMatchObject({ refundStatus: 'REFUND_SUCCESS', refundAmount: '2.50' });
  });
});
