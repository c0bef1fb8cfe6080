import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shanghaiDate } from '../src/bills/day-activity.ts';
import type { MerchantBundle } from '../src/wechatpay/merchants/issue-merchant.ts';
import { type SandboxServer, startSandboxServer } from './support/sandbox-server.ts';
import {
  adminPost,
  createMerchant,
  newOutNo,
  sdkFor,
  type TrustingPay,
  type WireResponse,
} from './support/wechatpay-client.ts';

// The trade bill for a past day, fetched with the SDK: header, one row per trade and
// refund, a summary that agrees with the rows, admin adjustments, and the date rules.

let server: SandboxServer;
let merchant: MerchantBundle;
let pay: TrustingPay;
const billDate = shanghaiDate(new Date(Date.now() - 86_400_000));
const orders = { a: newOutNo('A'), b: newOutNo('B'), c: newOutNo('C'), d: newOutNo('D') };
const refundNo = newOutNo('RB');

/** Runs `work` with the whole process's clock at noon (Beijing) of the bill date. */
async function onBillDate(work: () => Promise<void>) {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(new Date(`${billDate}T12:00:00+08:00`));
  try {
    await work();
  } finally {
    vi.useRealTimers();
  }
}

beforeAll(async () => {
  server = await startSandboxServer();
  merchant = await createMerchant(server.sandboxUrl, { name: 'Bill merchant' });
  pay = sdkFor(merchant, server.sandboxUrl);
  await onBillDate(async () => {
    const place = (no: string, total: number, attach?: string) =>
      pay.transactions_native({
        description: `Item ${no.slice(0, 1)}`,
        out_trade_no: no,
        notify_url: 'https://merchant.example/notify',
        amount: { total },
        ...(attach ? { attach } : {}),
      });
    const payIt = (no: string) =>
      adminPost(server.sandboxUrl, `/wechatpay/merchants/${merchant.mchid}/orders/${no}/pay`);
    await place(orders.a, 1000, 'first');
    await payIt(orders.a);
    await place(orders.b, 600);
    await payIt(orders.b);
    await place(orders.c, 700); // never paid: not in the bill
    await place(orders.d, 1);
    await payIt(orders.d);
    await pay.refunds({
      out_trade_no: orders.b,
      out_refund_no: refundNo,
      amount: { refund: 200, total: 600, currency: 'CNY' },
    });
    await vi.waitFor(async () => {
      const found = (await pay.find_refunds(refundNo)) as unknown as WireResponse;
      expect(found.data.status).toBe('SUCCESS');
    });
  });
});
afterAll(async () => {
  await server?.close();
});

interface ParsedBill {
  header: string[];
  rows: Array<Record<string, string>>;
  summaryHeader: string[];
  summary: string[];
}

/** Parses WeChat's bill text: CRLF lines, every field of a data line prefixed with a backtick. */
function parseBill(text: string): ParsedBill {
  expect(text.endsWith('\r\n')).toBe(true);
  const lines = text.slice(0, -2).split('\r\n');
  const header = (lines[0] ?? '').split(',');
  const fields = (line: string) =>
    line.split(',').map((f) => {
      expect(f.startsWith('`')).toBe(true);
      return f.slice(1);
    });
  const rows = lines
    .slice(1, -2)
    .map((line) => Object.fromEntries(fields(line).map((v, i) => [header[i] ?? '', v])));
  return {
    header,
    rows,
    summaryHeader: (lines.at(-2) ?? '').split(','),
    summary: fields(lines.at(-1) ?? ''),
  };
}

/** Sums a decimal column in units of 10^-scale, exactly. */
function sum(rows: ParsedBill['rows'], column: string, scale: number): bigint {
  return rows.reduce((total, row) => {
    const value = row[column] ?? '0';
    const negative = value.startsWith('-');
    const [whole = '0', fraction = ''] = value.replace('-', '').split('.');
    const units = BigInt(whole) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0');
    return total + (negative ? -units : units);
  }, 0n);
}
const asUnits = (value: string | undefined, scale: number) => sum([{ v: value ?? '0' }], 'v', scale);

/** The summary row must equal what the rows add up to. */
function expectSummaryAgrees(bill: ParsedBill) {
  expect(bill.summaryHeader).toEqual(
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额'.split(','),
  );
  const [count, settled, refunded, voucher, fees, ordered, applied] = bill.summary;
  expect(Number(count)).toBe(bill.rows.length);
  expect(asUnits(settled, 2)).toBe(sum(bill.rows, '应结订单金额', 2));
  expect(asUnits(refunded, 2)).toBe(sum(bill.rows, '退款金额', 2));
  expect(asUnits(voucher, 2)).toBe(sum(bill.rows, '充值券退款金额', 2));
  expect(asUnits(fees, 5)).toBe(sum(bill.rows, '手续费', 5));
  expect(fees).toMatch(/^-?\d+\.\d{5}$/);
  expect(asUnits(ordered, 2)).toBe(sum(bill.rows, '订单金额', 2));
  expect(asUnits(applied, 2)).toBe(sum(bill.rows, '申请退款金额', 2));
}

async function fetchBill(billType: 'ALL' | 'SUCCESS' | 'REFUND', tarType?: 'GZIP', as: TrustingPay = pay) {
  const applied = (await as.tradebill({
    bill_date: billDate,
    bill_type: billType,
    tar_type: tarType,
  })) as WireResponse;
  expect(applied.status).toBe(200);
  const file = (await as.downloadBill(applied.data.download_url)) as WireResponse;
  expect(file.status).toBe(200);
  expect(file.headers['content-type']).toBe('application/octet-stream');
  const text = tarType === 'GZIP' ? gunzipSync(file.raw) : file.raw;
  expect(createHash('sha1').update(text).digest('hex')).toBe(applied.data.hash_value);
  return { applied, text: text.toString('utf8') };
}

describe('the ALL trade bill', () => {
  it('lists each paid order and each completed refund, and its summary agrees', async () => {
    const bill = parseBill((await fetchBill('ALL')).text);
    expect(bill.header).toHaveLength(27);
    expect(bill.header.slice(0, 3)).toEqual(['交易时间', '公众账号ID', '商户号']);
    const byKey = (status: string, no: string) =>
      bill.rows.find((r) => r.交易状态 === status && r.商户订单号 === no);
    expect(bill.rows).toHaveLength(4);
    expect(bill.rows.some((r) => r.商户订单号 === orders.c)).toBe(false);
    expect(byKey('SUCCESS', orders.a)).toMatchObject({
      公众账号ID: merchant.appid,
      商户号: merchant.mchid,
      交易类型: 'NATIVE',
      付款银行: 'OTHERS',
      货币种类: 'CNY',
      应结订单金额: '10.00',
      订单金额: '10.00',
      手续费: '0.06000',
      费率: '0.60%',
      商户数据包: 'first',
      微信退款单号: '0',
      退款金额: '0.00',
    });
    expect(byKey('SUCCESS', orders.a)?.交易时间).toMatch(new RegExp(`^${billDate} \\d{2}:\\d{2}:\\d{2}$`));
    expect(byKey('SUCCESS', orders.d)?.手续费).toBe('0.00000');
    expect(byKey('REFUND', orders.b)).toMatchObject({
      商户退款单号: refundNo,
      退款金额: '2.00',
      申请退款金额: '2.00',
      应结订单金额: '0.00',
      订单金额: '0.00',
      退款类型: 'ORIGINAL',
      退款状态: 'SUCCESS',
      手续费: '-0.01000',
    });
    expectSummaryAgrees(bill);
    expect(bill.summary).toEqual(['4', '16.01', '2.00', '0.00', '0.09000', '16.01', '2.00']);
  });

  it('is the same text compressed with tar_type=GZIP, its digest taken before compression', async () => {
    expect((await fetchBill('ALL', 'GZIP')).text).toBe((await fetchBill('ALL')).text);
  });

  it('splits into SUCCESS and REFUND bills with their own columns', async () => {
    const success = parseBill((await fetchBill('SUCCESS')).text);
    expect(success.header).toHaveLength(20);
    expect(success.rows.map((r) => r.交易状态)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expectSummaryAgrees(success);
    const refunds = parseBill((await fetchBill('REFUND')).text);
    expect(refunds.header).toHaveLength(29);
    expect(refunds.header).toContain('退款成功时间');
    expect(refunds.rows).toHaveLength(1);
    expect(refunds.rows[0]?.退款申请时间).toMatch(new RegExp(`^${billDate} `));
    expectSummaryAgrees(refunds);
    expect(refunds.summary).toEqual(['1', '0.00', '2.00', '0.00', '-0.01000', '0.00', '2.00']);
  });
});

describe('bill adjustments', () => {
  it('drop, alter and add rows; the summary follows the rows as printed', async () => {
    const other = await createMerchant(server.sandboxUrl);
    const otherPay = sdkFor(other, server.sandboxUrl);
    await onBillDate(async () => {
      const no = newOutNo('X');
      await otherPay.transactions_native({
        description: 'Adj',
        out_trade_no: no,
        notify_url: 'https://m.example/n',
        amount: { total: 500 },
      });
      await adminPost(server.sandboxUrl, `/wechatpay/merchants/${other.mchid}/orders/${no}/pay`);
    });
    // Adjustments act on `other` only, so the first merchant's bill stays as asserted above.
    const before = parseBill((await fetchBill('ALL', undefined, otherPay)).text);
    const [row] = before.rows;
    expect(row?.应结订单金额).toBe('5.00');

    const adjust = (body: unknown) =>
      adminPost(server.sandboxUrl, `/bills/wechatpay/${other.mchid}/${billDate}/adjustments`, body);
    expect(
      (
        await adjust({
          action: 'alter',
          ref: row?.商户订单号,
          row: { 应结订单金额: '4.99', 订单金额: '4.99' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await adjust({
          action: 'add',
          row: {
            交易时间: `${billDate} 23:59:59`,
            商户订单号: 'GHOST000001',
            交易状态: 'SUCCESS',
            应结订单金额: '1.00',
            订单金额: '1.00',
            手续费: '0.01000',
          },
        })
      ).status,
    ).toBe(201);

    const after = parseBill((await fetchBill('ALL', undefined, otherPay)).text);
    expect(after.rows.map((r) => [r.商户订单号, r.应结订单金额])).toEqual([
      [row?.商户订单号, '4.99'],
      ['GHOST000001', '1.00'],
    ]);
    expectSummaryAgrees(after);
    expect(after.summary.slice(0, 2)).toEqual(['2', '5.99']);

    await adjust({ action: 'drop', ref: row?.商户订单号 });
    await adjust({ action: 'drop', ref: 'GHOST000001' });
    const empty = (await otherPay.tradebill({ bill_date: billDate, bill_type: 'ALL' })) as WireResponse;
    expect(empty.status).toBe(400);
    expect(empty.data).toEqual({ code: 'NO_STATEMENT_EXIST', message: '账单文件不存在' });
  });
});

describe('bill dates and download links', () => {
  const today = shanghaiDate(new Date());
  const tradebill = async (bill_date: string, bill_type = 'ALL') =>
    (await pay.tradebill({ bill_date, bill_type })) as WireResponse;

  it('has no bill for today yet, none for the future, none for a quiet day, none for malformed input', async () => {
    expect((await tradebill(today)).data.code).toBe('STATEMENT_CREATING');
    expect((await tradebill(shanghaiDate(new Date(Date.now() + 86_400_000)))).data.code).toBe(
      'INVALID_REQUEST',
    );
    const quiet = await tradebill(shanghaiDate(new Date(Date.now() - 5 * 86_400_000)));
    expect(quiet.status).toBe(400);
    expect(quiet.data.code).toBe('NO_STATEMENT_EXIST');
    expect((await tradebill('2024-02-30')).data.code).toBe('PARAM_ERROR');
    expect((await tradebill(billDate, 'RECHARGE_REFUND')).data.code).toBe('PARAM_ERROR');
  });

  it('only lets the applying merchant download, with the link as issued, before it expires', async () => {
    const applied = await tradebill(billDate);
    const url: string = applied.data.download_url;
    const other = sdkFor(await createMerchant(server.sandboxUrl), server.sandboxUrl);
    const foreign = (await other.downloadBill(url)) as WireResponse;
    expect(foreign.status).toBe(403);
    expect(foreign.data.code).toBe('NO_AUTH');

    const tampered = url.replace(/token=(.)/, (_m, c: string) => `token=${c === 'e' ? 'f' : 'e'}`);
    expect(((await pay.downloadBill(tampered)) as WireResponse).data.code).toBe('INVALID_REQUEST');

    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(new Date(Date.now() + 301_000));
    try {
      const late = (await pay.downloadBill(url)) as WireResponse;
      expect(late.status).toBe(400);
      expect(late.data.message).toContain('过期');
    } finally {
      vi.useRealTimers();
    }
    expect(((await pay.downloadBill(url)) as WireResponse).status).toBe(200);
  });
});
