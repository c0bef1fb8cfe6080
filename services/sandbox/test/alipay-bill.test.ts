process.env.TZ = 'Asia/Shanghai'; // the SDK stamps requests in local time

import type { AlipaySdk } from 'alipay-sdk';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DETAIL_COLUMNS, SUMMARY_COLUMNS } from '../src/alipay/bills/trade-bill.ts';
import { gbkZip } from '../src/alipay/gbk-zip.ts';
import {
  type AlipayTestApp,
  admin,
  alipaySdk,
  createAlipayApp,
  outTradeNo,
  payAtPayerPage,
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

afterEach(() => {
  vi.useRealTimers();
});

/** Entry names as written (GBK bytes; fflate reads names without the UTF-8 flag as Latin-1) → text. */
function gbkName(name: string): string {
  return iconv.decode(Buffer.from(name, 'latin1'), 'gbk');
}

function unzipGbk(zip: Uint8Array): Map<string, string> {
  const files = unzipSync(zip);
  return new Map(
    Object.entries(files).map(([name, data]) => [gbkName(name), iconv.decode(Buffer.from(data), 'gbk')]),
  );
}

/** Splits a CSV line; Alipay's cells here have no quotes unless they contain a comma. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

const fen = (yuan: string) => Math.round(Number(yuan) * 100);
const yuan = (f: number) => (f / 100).toFixed(2);

describe('gbkZip', () => {
  it('writes a zip that a standard reader opens, with GBK names and no UTF-8 flag', () => {
    const data = iconv.encode('支付宝交易号,商户订单号\r\n', 'gbk');
    const zip = gbkZip(
      [
        { name: '2088_20260310_业务明细.csv', data },
        { name: 'b.csv', data: new Uint8Array(0) },
      ],
      new Date(Date.UTC(2026, 2, 10, 9, 30, 12)),
    );
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    expect(zip.readUInt16LE(6) & 0x0800).toBe(0); // general purpose bit 11 (UTF-8 names) clear
    expect(zip.subarray(30, 30 + iconv.encode('2088_20260310_业务明细.csv', 'gbk').length)).toEqual(
      iconv.encode('2088_20260310_业务明细.csv', 'gbk'),
    );
    const files = unzipGbk(zip);
    expect([...files.keys()]).toEqual(['2088_20260310_业务明细.csv', 'b.csv']);
    expect(files.get('2088_20260310_业务明细.csv')).toBe('支付宝交易号,商户订单号\r\n');
    expect(files.get('b.csv')).toBe('');
  });
});

describe('the trade bill', () => {
  it("lists the day's trades and refunds in GBK, with 合计 lines that agree and adjustments applied", async () => {
    // One clock for the SDK and the sandbox, so that "yesterday" can come round.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-10T12:00:00+08:00'));

    const pay = async (totalAmount: string, subject = '商品') => {
      const no = outTradeNo('B');
      const created = await sdk.exec('alipay.trade.precreate', {
        bizContent: { outTradeNo: no, totalAmount, subject },
      });
      await payAtPayerPage(created.qrCode as string);
      return no;
    };
    const plain = await pay('10.00', '咖啡，大杯');
    const refunded = await pay('5.55');
    const dropped = await pay('3.00');
    const altered = await pay('2.00');
    await sdk.exec('alipay.trade.precreate', {
      bizContent: { outTradeNo: outTradeNo('B'), totalAmount: '7.00', subject: '未付' },
    });
    const refund = await sdk.exec('alipay.trade.refund', {
      bizContent: { outTradeNo: refunded, refundAmount: '1.55', outRequestNo: 'BR1', refundReason: '退一件' },
    });
    expect(refund.code).toBe('10000');

    const adjust = (body: unknown) =>
      admin(server, `/bills/alipay/${app.app_id}/2026-03-10/adjustments`, body);
    expect((await adjust({ action: 'drop', ref: dropped })).status).toBe(201);
    expect(
      (await adjust({ action: 'alter', ref: altered, row: { '商家实收（元）': '1.50', 备注: '人工调整' } }))
        .status,
    ).toBe(201);
    expect(
      (
        await adjust({
          action: 'add',
          row: {
            支付宝交易号: '2026031022001000000000000001\t',
            商户订单号: 'EXTRA\t',
            业务类型: '交易',
            '订单金额（元）': '0.10',
            '商家实收（元）': '0.10',
          },
        })
      ).status,
    ).toBe(201);

    // Not before the day is over (T+1).
    const early = await sdk.exec('alipay.data.dataservice.bill.downloadurl.query', {
      bizContent: { billType: 'trade', billDate: '2026-03-10' },
    });
    expect(early.subCode).toBe('isp.bill_not_exist');

    vi.setSystemTime(new Date('2026-03-11T09:00:00+08:00'));
    const link = await sdk.exec(
      'alipay.data.dataservice.bill.downloadurl.query',
      { bizContent: { billType: 'trade', billDate: '2026-03-10' } },
      { validateSign: true },
    );
    expect(link.code).toBe('10000');
    const res = await fetch(link.billDownloadUrl as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`${app.seller_id}_20260310.csv.zip`);
    const files = unzipGbk(new Uint8Array(await res.arrayBuffer()));
    const detailName = `${app.seller_id}_20260310_业务明细.csv`;
    const summaryName = `${app.seller_id}_20260310_业务明细(汇总).csv`;
    expect([...files.keys()].sort()).toEqual([detailName, summaryName].sort());

    const detail = (files.get(detailName) as string).split('\r\n');
    expect(detail.slice(0, 4)).toEqual([
      '#支付宝业务明细查询',
      `#账号：[${app.seller_id}0156]`,
      '#起始日期：[2026年03月10日 00:00:00]   终止日期：[2026年03月11日 00:00:00]',
      '#-----------------------------------------业务明细列表----------------------------------------',
    ]);
    expect(cells(detail[4] as string)).toEqual([...DETAIL_COLUMNS]);
    const end = detail.indexOf(
      '#-----------------------------------------业务明细列表结束------------------------------------',
    );
    const rows = detail
      .slice(5, end)
      .map((line) => Object.fromEntries(cells(line).map((c, i) => [DETAIL_COLUMNS[i], c])));
    const byOrder = (no: string, type: string) =>
      rows.find((r) => r.商户订单号 === `${no}\t` && r.业务类型 === type);

    expect(rows).toHaveLength(5);
    expect(byOrder(plain, '交易')).toMatchObject({
      商品名称: '咖啡，大杯',
      '订单金额（元）': '10.00',
      '商家实收（元）': '10.00',
    });
    expect(byOrder(plain, '交易')?.支付宝交易号).toMatch(/^\d{28}\t$/);
    expect(byOrder(plain, '交易')?.完成时间).toBe('2026-03-10 12:00:00');
    expect(byOrder(refunded, '退款')).toMatchObject({
      '商家实收（元）': '-1.55',
      '订单金额（元）': '5.55',
      '退款批次号/请求号': 'BR1\t',
      备注: '退一件',
    });
    expect(byOrder(dropped, '交易')).toBeUndefined();
    expect(byOrder(altered, '交易')).toMatchObject({
      '订单金额（元）': '2.00',
      '商家实收（元）': '1.50',
      备注: '人工调整',
    });
    expect(byOrder('EXTRA', '交易')).toMatchObject({ '商家实收（元）': '0.10' });

    const trades = rows.filter((r) => r.业务类型 === '交易');
    const refunds = rows.filter((r) => r.业务类型 === '退款');
    const sum = (list: typeof rows, column: string) =>
      yuan(list.reduce((total, r) => total + fen(r[column] as string), 0));
    expect(detail.slice(end + 1)).toEqual([
      `#交易合计：${trades.length}笔，商家实收共${sum(trades, '商家实收（元）')}元，商家优惠共0.00元`,
      `#退款合计：${refunds.length}笔，商家实收退款共${sum(refunds, '商家实收（元）')}元，商家优惠退款共0.00元`,
      '#导出时间：[2026年03月11日 09:00:00]',
      '',
    ]);
    expect(sum(trades, '商家实收（元）')).toBe('17.15');

    const summary = (files.get(summaryName) as string).split('\r\n');
    expect(summary[0]).toBe('#支付宝业务汇总查询');
    expect(cells(summary[4] as string)).toEqual([...SUMMARY_COLUMNS]);
    const total = cells(summary.find((line) => line.startsWith('合计,')) as string);
    expect(total).toEqual([
      '合计',
      '',
      '4',
      '1',
      '17.65',
      '15.60',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '15.60',
    ]);
    expect(summary.at(-2)).toBe('#导出时间：[2026年03月11日 09:00:00]');

    // The link lives 30 seconds and proves itself: tampering or waiting breaks it.
    const url = link.billDownloadUrl as string;
    expect((await fetch(`${url.slice(0, -2)}xx`)).status).toBe(403);
    vi.setSystemTime(new Date('2026-03-11T09:00:31+08:00'));
    expect((await fetch(url)).status).toBe(403);
  });
});
