// alipay-sdk stamps `timestamp` in the process's local time; real merchants run it in
// Beijing time (vitest sets TZ=UTC, which Alipay would refuse: see alipay-rejections).
process.env.TZ = 'Asia/Shanghai';

import type { AlipaySdk } from 'alipay-sdk';
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
  parseAutoSubmitForm,
  payAtPayerPage,
  pressPayerButton,
  queryOf,
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
  app = await createAlipayApp(server, '沙箱测试商户');
  sdk = alipaySdk(server, app);
});

afterAll(async () => {
  await receiver?.close();
  await server?.close();
});

const signed = { validateSign: true } as const;

async function precreate(amount: string, no = outTradeNo()) {
  const result = await sdk.exec(
    'alipay.trade.precreate',
    {
      notifyUrl: receiver.url,
      bizContent: { outTradeNo: no, totalAmount: amount, subject: '测试商品 / 一杯咖啡' },
    },
    signed,
  );
  expect(result.code).toBe('10000');
  return { no, qrCode: result.qrCode as string };
}

async function notified(no: string, count: number) {
  return await eventually(() => {
    const forms = notificationsFor(receiver.received, no);
    return forms.length >= count ? forms : undefined;
  });
}

describe('exec() against the v2 gateway, responses verified by the SDK', () => {
  it('precreate answers a QR code; the trade exists once scanned, and pays with a verifiable notification', async () => {
    const { no, qrCode } = await precreate('0.01');
    expect(qrCode.startsWith(`${server.sandboxUrl}/pay/`)).toBe(true);

    const unseen = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: no } }, signed);
    expect(unseen).toMatchObject({ code: '40004', msg: 'Business Failed', subCode: 'ACQ.TRADE_NOT_EXIST' });

    const page = await openPayerPage(qrCode);
    expect(page).toContain('沙箱测试商户');
    const waiting = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: no } }, signed);
    expect(waiting).toMatchObject({
      code: '10000',
      tradeStatus: 'WAIT_BUYER_PAY',
      totalAmount: '0.01',
      outTradeNo: no,
    });
    expect(waiting.buyerLogonId).toMatch(/\*\*\*@/);

    const paid = await pressPayerButton(page, 'pay');
    expect(paid.status).toBe(303);
    const success = await sdk.exec(
      'alipay.trade.query',
      { bizContent: { tradeNo: waiting.tradeNo } },
      signed,
    );
    expect(success).toMatchObject({
      code: '10000',
      tradeStatus: 'TRADE_SUCCESS',
      totalAmount: '0.01',
      buyerPayAmount: '0.01',
      tradeNo: waiting.tradeNo,
    });
    expect(success.sendPayDate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const [form] = await notified(no, 1);
    expect(sdk.checkNotifySignV2(form as Record<string, string>)).toBe(true);
    expect(form).toMatchObject({
      notify_type: 'trade_status_sync',
      trade_status: 'TRADE_SUCCESS',
      app_id: app.app_id,
      seller_id: app.seller_id,
      total_amount: '0.01',
      trade_no: waiting.tradeNo,
      subject: '测试商品 / 一杯咖啡',
      sign_type: 'RSA2',
    });
    expect(Object.values(form as Record<string, string>).every((v) => v !== '')).toBe(true);
    expect(JSON.parse((form as Record<string, string>).fund_bill_list as string)).toEqual([
      { amount: '0.01', fundChannel: 'ALIPAYACCOUNT' },
    ]);
  });

  it('refunds partially and fully, idempotently per out_request_no, and reports each refund', async () => {
    const { no, qrCode } = await precreate('1.00');
    await payAtPayerPage(qrCode);

    const first = await sdk.exec(
      'alipay.trade.refund',
      { bizContent: { outTradeNo: no, refundAmount: '0.30', outRequestNo: 'R1', refundReason: '少送一件' } },
      signed,
    );
    expect(first).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '0.30', outTradeNo: no });
    expect(first.gmtRefundPay).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const again = await sdk.exec(
      'alipay.trade.refund',
      { bizContent: { outTradeNo: no, refundAmount: '0.30', outRequestNo: 'R1' } },
      signed,
    );
    expect(again).toMatchObject({
      code: '10000',
      fundChange: 'N',
      refundFee: '0.30',
      gmtRefundPay: first.gmtRefundPay,
    });

    const rest = await sdk.exec(
      'alipay.trade.refund',
      { bizContent: { outTradeNo: no, refundAmount: '0.70', outRequestNo: 'R2' } },
      signed,
    );
    expect(rest).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '1.00' });

    const query = await sdk.exec(
      'alipay.trade.fastpay.refund.query',
      { bizContent: { outTradeNo: no, outRequestNo: 'R1' } },
      signed,
    );
    expect(query).toMatchObject({
      code: '10000',
      refundStatus: 'REFUND_SUCCESS',
      refundAmount: '0.30',
      totalAmount: '1.00',
      outRequestNo: 'R1',
      refundReason: '少送一件',
    });
    const none = await sdk.exec(
      'alipay.trade.fastpay.refund.query',
      { bizContent: { outTradeNo: no, outRequestNo: 'R9' } },
      signed,
    );
    expect(none).toMatchObject({ code: '10000', msg: 'Success' });
    expect(none.refundStatus).toBeUndefined();
    expect(none.refundAmount).toBeUndefined();

    // Fully refunded: Alipay reports the trade closed.
    const closed = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: no } }, signed);
    expect(closed).toMatchObject({ code: '10000', tradeStatus: 'TRADE_CLOSED' });

    const forms = await notified(no, 3);
    for (const form of forms) expect(sdk.checkNotifySignV2(form)).toBe(true);
    const [, partial, full] = forms;
    expect(partial).toMatchObject({ trade_status: 'TRADE_SUCCESS', refund_fee: '0.30', out_biz_no: 'R1' });
    expect(partial?.gmt_refund).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(full).toMatchObject({ trade_status: 'TRADE_CLOSED', refund_fee: '1.00', out_biz_no: 'R2' });
    expect(full?.gmt_close).toBeDefined();
  });

  it('closes a scanned trade that waits for the buyer', async () => {
    const { no, qrCode } = await precreate('2.00');
    await openPayerPage(qrCode);
    const closed = await sdk.exec('alipay.trade.close', { bizContent: { outTradeNo: no } }, signed);
    expect(closed).toMatchObject({ code: '10000', outTradeNo: no });
    expect(closed.tradeNo).toMatch(/^\d{8}22001\d{15}$/);
    const query = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: no } }, signed);
    expect(query.tradeStatus).toBe('TRADE_CLOSED');
  });

  it("hands out a bill link for yesterday and refuses today's bill", async () => {
    const yesterday = shanghaiDate(new Date(server.deps.now().getTime() - 86_400_000));
    const link = await sdk.exec(
      'alipay.data.dataservice.bill.downloadurl.query',
      { bizContent: { billType: 'trade', billDate: yesterday } },
      signed,
    );
    expect(link.code).toBe('10000');
    expect(link.billDownloadUrl).toMatch(`${server.sandboxUrl}/alipay/bills/`);
    const download = await fetch(link.billDownloadUrl as string);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer()).subarray(0, 4)).toEqual(
      new Uint8Array([0x50, 0x4b, 3, 4]),
    );

    const today = await sdk.exec(
      'alipay.data.dataservice.bill.downloadurl.query',
      { bizContent: { billType: 'trade', billDate: shanghaiDate(server.deps.now()) } },
      signed,
    );
    expect(today).toMatchObject({ code: '40004', subCode: 'isp.bill_not_exist' });
  });
});

describe('pageExec(): the browser goes to the gateway, the cashier, and back to return_url', () => {
  it('page pay by GET URL returns to return_url with parameters signed like a notification', async () => {
    const no = outTradeNo('P');
    const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
      bizContent: {
        outTradeNo: no,
        productCode: 'FAST_INSTANT_TRADE_PAY',
        totalAmount: '88.80',
        subject: '年度会员',
      },
      returnUrl: 'https://merchant.example/alipay/return?from=checkout',
      notifyUrl: receiver.url,
    });
    const cashier = await fetch(url);
    expect(cashier.status).toBe(200);
    expect(cashier.url.startsWith(`${server.sandboxUrl}/pay/`)).toBe(true);
    const back = await pressPayerButton(await cashier.text(), 'pay');
    expect(back.status).toBe(303);
    expect(back.location.startsWith('https://merchant.example/alipay/return?from=checkout&')).toBe(true);

    const { from, ...params } = queryOf(back.location);
    expect(from).toBe('checkout');
    expect(sdk.checkNotifySignV2(params)).toBe(true);
    expect(params).toMatchObject({
      method: 'alipay.trade.page.pay.return',
      out_trade_no: no,
      total_amount: '88.80',
      app_id: app.app_id,
      seller_id: app.seller_id,
      charset: 'utf-8',
      sign_type: 'RSA2',
    });
    expect(sdk.checkNotifySignV2({ ...params, total_amount: '0.01' })).toBe(false);

    const [form] = await notified(no, 1);
    expect(form?.trade_no).toBe(params.trade_no);
  });

  it('wap pay by the auto-submitting POST form works the same way', async () => {
    const no = outTradeNo('W');
    const html = sdk.pageExec('alipay.trade.wap.pay', 'POST', {
      bizContent: {
        outTradeNo: no,
        productCode: 'QUICK_WAP_WAY',
        totalAmount: '5.00',
        subject: '"引号" & 符号',
        quitUrl: 'https://merchant.example/quit',
      },
      returnUrl: 'https://merchant.example/wap/return',
    });
    const { action, fields } = parseAutoSubmitForm(html);
    expect(Object.keys(fields).sort()).toEqual(['alipay_sdk', 'biz_content']);
    const cashier = await fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    expect(cashier.status).toBe(200);
    const page = await cashier.text();
    expect(page).toContain('5.00');
    const back = await pressPayerButton(page, 'pay');
    const params = queryOf(back.location);
    expect(params.method).toBe('alipay.trade.wap.pay.return');
    expect(sdk.checkNotifySignV2(params)).toBe(true);
    const query = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: no } }, signed);
    expect(query).toMatchObject({ tradeStatus: 'TRADE_SUCCESS', totalAmount: '5.00' });
  });

  it('a refused page request shows the cashier error page, not JSON', async () => {
    const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
      bizContent: {
        outTradeNo: outTradeNo('X'),
        productCode: 'FAST_INSTANT_TRADE_PAY',
        totalAmount: '1.00',
        subject: 's',
      },
    });
    const tampered = url.replace('total_amount%22%3A%221.00', 'total_amount%22%3A%220.01');
    expect(tampered).not.toBe(url);
    const res = await fetch(tampered);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('错误代码 <span class="code" data-testid="error-code">invalid-signature</span>');
  });
});

describe('sdkExec(): the app-pay order string', () => {
  it('is verified and turned into a payable trade by POST /alipay/app-pay', async () => {
    const no = outTradeNo('A');
    const orderString = sdk.sdkExec('alipay.trade.app.pay', {
      notifyUrl: receiver.url,
      bizContent: {
        outTradeNo: no,
        productCode: 'QUICK_MSECURITY_PAY',
        totalAmount: '12.34',
        subject: 'App 订单',
        passbackParams: 'k%3Dv%26x',
      },
    });
    const res = await fetch(`${server.sandboxUrl}/alipay/app-pay`, { method: 'POST', body: orderString });
    expect(res.status).toBe(200);
    const { pay_url } = (await res.json()) as { pay_url: string };
    const paid = await payAtPayerPage(pay_url);
    expect(paid.location.startsWith(`${server.sandboxUrl}/pay/`)).toBe(true);

    const query = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: no } }, signed);
    expect(query).toMatchObject({ tradeStatus: 'TRADE_SUCCESS', totalAmount: '12.34' });
    const [form] = await notified(no, 1);
    expect(sdk.checkNotifySignV2(form as Record<string, string>)).toBe(true);
    expect(form?.passback_params).toBe('k%3Dv%26x');

    const tampered = orderString.replace('12.34', '0.01');
    const refused = await fetch(`${server.sandboxUrl}/alipay/app-pay`, { method: 'POST', body: tampered });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: '40002', sub_code: 'isv.invalid-signature' });
  });
});
