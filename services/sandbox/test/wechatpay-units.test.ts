import { describe, expect, it } from 'vitest';
import type { DayActivity } from '../src/bills/day-activity.ts';
import type { Order, Refund } from '../src/db/schema.ts';
import { parseAuthorization } from '../src/wechatpay/auth/parse-authorization.ts';
import { formatDecimal, parseDecimal } from '../src/wechatpay/bills/bill-decimal.ts';
import { billDateError } from '../src/wechatpay/bills/bill-request.ts';
import { issueBillToken, readBillToken, verifyBillToken } from '../src/wechatpay/bills/bill-token.ts';
import { feeFen } from '../src/wechatpay/bills/fee.ts';
import { buildTradeBill } from '../src/wechatpay/bills/trade-bill.ts';
import { refundView } from '../src/wechatpay/refunds/refund-view.ts';
import { parseRfc3339, rfc3339Shanghai } from '../src/wechatpay/time.ts';
import { tradeState, transactionView } from '../src/wechatpay/transactions/transaction-view.ts';
import { sortedJson } from '../src/wechatpay/wire/sorted-json.ts';

const order = (overrides: Partial<Order> = {}): Order => ({
  provider: 'wechatpay',
  merchant: '1900000001',
  out_trade_no: 'T0000001',
  trade_no: '4200000202401010000000000001',
  trade_type: 'JSAPI',
  amount: 600n,
  currency: 'CNY',
  description: 'Tea',
  notify_url: null,
  return_url: null,
  attach: null,
  payer: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  request_hash: 'h',
  status: 'paid',
  scanned: true,
  pay_token: 'tok',
  time_expire: new Date('2024-01-01T06:00:00Z'),
  paid_at: new Date('2024-01-01T02:35:41Z'),
  closed_at: null,
  refunded: 0n,
  withhold_notifications: false,
  extra: { appid: 'wx0000000000000001' },
  created_at: new Date('2024-01-01T02:30:00Z'),
  ...overrides,
});

const refund = (overrides: Partial<Refund> = {}): Refund => ({
  provider: 'wechatpay',
  merchant: '1900000001',
  out_refund_no: 'R0000001',
  out_trade_no: 'T0000001',
  refund_id: '50300000000000000000000000001',
  amount: 150n,
  reason: null,
  notify_url: null,
  request_hash: 'h',
  status: 'success',
  succeeded_at: new Date('2024-01-01T03:00:05Z'),
  created_at: new Date('2024-01-01T03:00:00Z'),
  ...overrides,
});

describe('parseAuthorization', () => {
  const good =
    'WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="abc",timestamp="1700000000",serial_no="5F1C",signature="c2ln=="';

  it('reads the five pairs in any order', () => {
    const reversed =
      'WECHATPAY2-SHA256-RSA2048 signature="c2ln==",serial_no="5F1C",timestamp="1700000000",nonce_str="abc",mchid="1900000001"';
    const expected = {
      mchid: '1900000001',
      nonceStr: 'abc',
      timestamp: '1700000000',
      serialNo: '5F1C',
      signature: 'c2ln==',
    };
    expect(parseAuthorization(good)).toEqual({ kind: 'ok', credentials: expected });
    expect(parseAuthorization(reversed)).toEqual({ kind: 'ok', credentials: expected });
  });

  it('is as strict as WeChat about the format', () => {
    expect(parseAuthorization(undefined).kind).toBe('missing');
    expect(parseAuthorization('').kind).toBe('missing');
    expect(parseAuthorization('Bearer x')).toEqual({ kind: 'wrong-scheme', scheme: 'Bearer' });
    expect(parseAuthorization(good.replaceAll('",', '", ')).kind).toBe('malformed');
    expect(parseAuthorization(good.replaceAll('"', "'")).kind).toBe('malformed');
    expect(parseAuthorization(good.replace(',signature="c2ln=="', '')).kind).toBe('malformed');
    expect(parseAuthorization(`${good},mchid="2"`).kind).toBe('malformed');
  });
});

describe('bill decimals and fees', () => {
  it('parses and prints exactly, signs included', () => {
    expect(parseDecimal('1.50', 2)).toBe(150n);
    expect(parseDecimal('-0.02000', 5)).toBe(-2000n);
    expect(parseDecimal('7', 2)).toBe(700n);
    expect(parseDecimal('0.001', 2)).toBeUndefined();
    expect(parseDecimal('1e3', 2)).toBeUndefined();
    expect(formatDecimal(-2000n, 5)).toBe('-0.02000');
    expect(formatDecimal(0n, 5)).toBe('0.00000');
    expect(formatDecimal(123456n, 2)).toBe('1234.56');
  });

  it('charges 0.6%, rounded half up to the fen', () => {
    expect(feeFen(600n)).toBe(4n); // 3.6 fen
    expect(feeFen(1000n)).toBe(6n);
    expect(feeFen(1n)).toBe(0n);
    expect(feeFen(250n)).toBe(2n); // 1.5 fen rounds up
  });
});

describe('buildTradeBill', () => {
  const activity = (overrides: Partial<DayActivity> = {}): DayActivity => ({
    trades: [order()],
    refunds: [{ refund: refund(), order: order({ refunded: 150n }) }],
    adjustments: [],
    ...overrides,
  });
  const build = (a: DayActivity, billType: 'ALL' | 'SUCCESS' | 'REFUND' = 'ALL') =>
    buildTradeBill({ mchid: '1900000001', appid: 'wx0000000000000001', activity: a, billType });

  it('writes WeChat’s layout: header, backtick fields, Beijing times, CRLF, summary', () => {
    expect(build(activity())).toBe(
      [
        '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
        '`2024-01-01 10:35:41,`wx0000000000000001,`1900000001,`0,`,`4200000202401010000000000001,`T0000001,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`SUCCESS,`OTHERS,`CNY,`6.00,`0.00,`0,`0,`0.00,`0.00,`,`,`Tea,`,`0.04000,`0.60%,`6.00,`0.00,`',
        '`2024-01-01 10:35:41,`wx0000000000000001,`1900000001,`0,`,`4200000202401010000000000001,`T0000001,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000000000000000000000001,`R0000001,`1.50,`0.00,`ORIGINAL,`SUCCESS,`Tea,`,`-0.01000,`0.60%,`0.00,`1.50,`',
        '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
        '`2,`6.00,`1.50,`0.00,`0.03000,`6.00,`1.50',
        '',
      ].join('\r\n'),
    );
  });

  it('has no bill without rows, and filters rows by bill type', () => {
    expect(build(activity({ trades: [], refunds: [] }))).toBeUndefined();
    expect(build(activity({ refunds: [] }), 'REFUND')).toBeUndefined();
    expect(build(activity(), 'SUCCESS')?.split('\r\n')).toHaveLength(5);
  });

  it('applies adjustments in order and sums what is printed (unreadable amounts count as zero)', () => {
    const bill = build(
      activity({
        refunds: [],
        adjustments: [
          { action: 'alter', ref: 'T0000001', row: { 应结订单金额: '5.99', 手续费: 'n/a' } },
          {
            action: 'add',
            ref: null,
            row: { 商户订单号: 'EXTRA', 交易状态: 'SUCCESS', 应结订单金额: 1, 订单金额: '1.00' },
          },
          { action: 'drop', ref: 'NOT_THERE', row: {} },
        ],
      }),
    );
    const lines = bill?.split('\r\n') ?? [];
    expect(lines[1]).toContain('`5.99,');
    expect(lines[2]).toContain('`EXTRA,');
    expect(lines.at(-2)).toBe('`2,`6.99,`0.00,`0.00,`0.00000,`7.00,`0.00');
  });
});

describe('bill tokens and dates', () => {
  const claims = {
    mchid: '1900000001',
    billDate: '2024-01-01',
    billType: 'ALL' as const,
    gzip: false,
    expiresAt: 1,
  };

  it('verifies only with the issuing key and untouched claims', () => {
    const token = issueBillToken('k'.repeat(32), claims);
    expect(verifyBillToken('k'.repeat(32), token)).toEqual(claims);
    expect(verifyBillToken('j'.repeat(32), token)).toBeUndefined();
    const [payload, mac] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...claims, mchid: '1900000002' })).toString('base64url')}.${mac}`;
    expect(readBillToken(forged)?.mchid).toBe('1900000002');
    expect(verifyBillToken('k'.repeat(32), forged)).toBeUndefined();
    expect(verifyBillToken('k'.repeat(32), `${payload}.${mac}.x`)).toBeUndefined();
  });

  it('knows which bill dates exist relative to Beijing time', () => {
    const now = new Date('2024-03-10T17:00:00Z'); // 01:00 on 11 March in Beijing
    expect(billDateError('2024-03-11', now)?.code).toBe('STATEMENT_CREATING');
    expect(billDateError('2024-03-10', now)).toBeUndefined();
    expect(billDateError('2024-03-12', now)?.code).toBe('INVALID_REQUEST');
    expect(billDateError('2023-11-01', now)?.code).toBe('INVALID_REQUEST');
    expect(billDateError('2024-02-30', now)?.code).toBe('PARAM_ERROR');
  });
});

describe('views', () => {
  it('maps every order status to a trade_state; any refund turns SUCCESS into REFUND', () => {
    expect(tradeState(order({ status: 'pending' }))).toBe('NOTPAY');
    expect(tradeState(order())).toBe('SUCCESS');
    expect(tradeState(order({ refunded: 1n }))).toBe('REFUND');
    expect(tradeState(order({ status: 'closed' }))).toBe('CLOSED');
    expect(tradeState(order({ status: 'failed' }))).toBe('PAYERROR');
  });

  it('hides transaction details until paid', () => {
    const unpaid = transactionView(order({ status: 'pending', paid_at: null }), 'wx1');
    expect(unpaid).not.toHaveProperty('transaction_id');
    expect(unpaid).not.toHaveProperty('payer');
    expect(unpaid.amount).toEqual({ total: 600, payer_currency: 'CNY' });
    expect(transactionView(order(), 'wx1')).toMatchObject({
      appid: 'wx1',
      success_time: '2024-01-01T10:35:41+08:00',
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    });
  });

  it('shows a refund in fen with its fee share', () => {
    expect(refundView(refund({ status: 'processing', succeeded_at: null }), order()).amount).toMatchObject({
      total: 600,
      refund: 150,
      refund_fee: 1,
    });
  });

  it('writes Beijing RFC 3339 and reads only timestamps with an offset', () => {
    expect(rfc3339Shanghai(new Date('2024-06-01T04:00:05.123Z'))).toBe('2024-06-01T12:00:05+08:00');
    expect(parseRfc3339('2024-06-01T12:00:05+08:00')?.toISOString()).toBe('2024-06-01T04:00:05.000Z');
    expect(parseRfc3339('2024-06-01T12:00:05')).toBeUndefined();
  });

  it('sorts keys at every level, as WeChat’s answers come', () => {
    expect(sortedJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});
