import type { BillAdjustment, DayActivity } from '../../bills/day-activity.ts';
import { shanghaiDateTime } from '../../bills/day-activity.ts';
import { fenToYuan, yuanToFen } from '../../money.ts';
import { beijingDayStart } from '../beijing-time.ts';
import { tradeExtra } from '../trades/trade-view.ts';

/** The columns of 业务明细, in order. */
export const DETAIL_COLUMNS = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
] as const;

export const SUMMARY_COLUMNS = [
  '门店编号',
  '门店名称',
  '交易订单总笔数',
  '退款订单总笔数',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '卡消费金额（元）',
  '服务费（元）',
  '分润（元）',
  '实收净额（元）',
] as const;

const DETAIL_BEGIN =
  '#-----------------------------------------业务明细列表----------------------------------------';
const DETAIL_END =
  '#-----------------------------------------业务明细列表结束------------------------------------';
const SUMMARY_BEGIN =
  '#-----------------------------------------业务汇总列表----------------------------------------';
const SUMMARY_END =
  '#----------------------------------------业务汇总列表结束-------------------------------------';
const EOL = '\r\n';

export type BillRow = Record<string, string>;

export interface TradeBillFiles {
  readonly detailName: string;
  readonly detail: string;
  readonly summaryName: string;
  readonly summary: string;
}

const ZERO = '0.00';

/** Alipay pads id columns with a tab so spreadsheets keep them as text. */
const asText = (id: string) => `${id}\t`;
const stripTab = (cell: string | undefined) => (cell ?? '').replace(/\t/g, '').trim();

function emptyRow(): BillRow {
  return Object.fromEntries(DETAIL_COLUMNS.map((c) => [c, '']));
}

/** A signed yuan amount in fen; 0 for a cell that is not an amount (an adjustment may write anything). */
function fenOf(cell: string | undefined): bigint {
  const text = stripTab(cell);
  const negative = text.startsWith('-');
  const fen = yuanToFen(negative ? text.slice(1) : text);
  if (fen === undefined) return 0n;
  return negative ? -fen : fen;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',');
}

function chineseDateTime(instant: Date): string {
  const [date = '', time = ''] = shanghaiDateTime(instant).split(' ');
  const [y, m, d] = date.split('-');
  return `${y}年${m}月${d}日 ${time}`;
}

/** The day's rows: 交易 for each payment, 退款 (negative) for each refund. */
export function billRows(activity: Pick<DayActivity, 'trades' | 'refunds'>): BillRow[] {
  const rows: BillRow[] = [];
  for (const order of activity.trades) {
    const amount = fenToYuan(order.amount);
    rows.push({
      ...emptyRow(),
      支付宝交易号: asText(order.trade_no),
      商户订单号: asText(order.out_trade_no),
      业务类型: '交易',
      商品名称: order.description,
      创建时间: shanghaiDateTime(order.created_at),
      完成时间: order.paid_at ? shanghaiDateTime(order.paid_at) : '',
      对方账户: tradeExtra(order).buyer_logon_id,
      '订单金额（元）': amount,
      '商家实收（元）': amount,
      '支付宝红包（元）': ZERO,
      '集分宝（元）': ZERO,
      '支付宝优惠（元）': ZERO,
      '商家优惠（元）': ZERO,
      '券核销金额（元）': ZERO,
      '商家红包消费金额（元）': ZERO,
      '卡消费金额（元）': ZERO,
      '服务费（元）': ZERO,
      '分润（元）': ZERO,
    });
  }
  for (const { refund, order } of activity.refunds) {
    rows.push({
      ...emptyRow(),
      支付宝交易号: asText(order.trade_no),
      商户订单号: asText(order.out_trade_no),
      业务类型: '退款',
      商品名称: order.description,
      创建时间: shanghaiDateTime(order.created_at),
      完成时间: refund.succeeded_at ? shanghaiDateTime(refund.succeeded_at) : '',
      对方账户: tradeExtra(order).buyer_logon_id,
      '订单金额（元）': fenToYuan(order.amount),
      '商家实收（元）': fenToYuan(-refund.amount),
      '支付宝红包（元）': ZERO,
      '集分宝（元）': ZERO,
      '支付宝优惠（元）': ZERO,
      '商家优惠（元）': ZERO,
      '券核销金额（元）': ZERO,
      '商家红包消费金额（元）': ZERO,
      '卡消费金额（元）': ZERO,
      '退款批次号/请求号': asText(refund.out_refund_no),
      '服务费（元）': ZERO,
      '分润（元）': ZERO,
      备注: refund.reason ?? '',
    });
  }
  return rows;
}

/** A drop/alter names a trade row by its out_trade_no, a refund row by its out_request_no. */
function matches(row: BillRow, ref: string | null): boolean {
  if (ref === null) return false;
  if (row.业务类型 === '退款') return stripTab(row['退款批次号/请求号']) === ref;
  return stripTab(row.商户订单号) === ref;
}

/** Applies the admin's adjustments in order: drop rows, alter their cells, add rows. */
export function adjustRows(rows: readonly BillRow[], adjustments: readonly BillAdjustment[]): BillRow[] {
  let out = [...rows];
  for (const adjustment of adjustments) {
    const cells = Object.fromEntries(
      Object.entries(adjustment.row).map(([k, v]) => [k, v === null ? '' : String(v)]),
    );
    if (adjustment.action === 'drop') out = out.filter((row) => !matches(row, adjustment.ref));
    else if (adjustment.action === 'alter')
      out = out.map((row) => (matches(row, adjustment.ref) ? { ...row, ...cells } : row));
    else out.push({ ...emptyRow(), ...cells });
  }
  return out;
}

interface Totals {
  trades: number;
  refunds: number;
  orderAmount: bigint;
  tradeReceived: bigint;
  tradeMerchantDiscount: bigint;
  refundReceived: bigint;
  refundMerchantDiscount: bigint;
  alipayDiscount: bigint;
  cardSpend: bigint;
  serviceFee: bigint;
  profitShare: bigint;
}

/** Totals computed from the rows as finally listed, so the 合计 lines always agree with them. */
function totalsOf(rows: readonly BillRow[]): Totals {
  const t: Totals = {
    trades: 0,
    refunds: 0,
    orderAmount: 0n,
    tradeReceived: 0n,
    tradeMerchantDiscount: 0n,
    refundReceived: 0n,
    refundMerchantDiscount: 0n,
    alipayDiscount: 0n,
    cardSpend: 0n,
    serviceFee: 0n,
    profitShare: 0n,
  };
  for (const row of rows) {
    const isRefund = row.业务类型 === '退款';
    if (isRefund) {
      t.refunds += 1;
      t.refundReceived += fenOf(row['商家实收（元）']);
      t.refundMerchantDiscount += fenOf(row['商家优惠（元）']);
    } else {
      t.trades += 1;
      t.orderAmount += fenOf(row['订单金额（元）']);
      t.tradeReceived += fenOf(row['商家实收（元）']);
      t.tradeMerchantDiscount += fenOf(row['商家优惠（元）']);
    }
    t.alipayDiscount += fenOf(row['支付宝优惠（元）']);
    t.cardSpend += fenOf(row['卡消费金额（元）']);
    t.serviceFee += fenOf(row['服务费（元）']);
    t.profitShare += fenOf(row['分润（元）']);
  }
  return t;
}

function summaryLine(first: readonly [string, string], t: Totals): string {
  const received = t.tradeReceived + t.refundReceived;
  return csvLine([
    ...first,
    String(t.trades),
    String(t.refunds),
    fenToYuan(t.orderAmount),
    fenToYuan(received),
    fenToYuan(t.alipayDiscount),
    fenToYuan(t.tradeMerchantDiscount + t.refundMerchantDiscount),
    fenToYuan(t.cardSpend),
    fenToYuan(t.serviceFee),
    fenToYuan(t.profitShare),
    // Service fees and profit shares are listed as negative amounts, so they add.
    fenToYuan(received + t.serviceFee + t.profitShare),
  ]);
}

/**
 * The two CSV texts of a `trade` day bill (业务明细 and 业务明细(汇总)), in Alipay's layout:
 * `#` header lines, the column row, 交易 and 退款 rows, the end marker, 合计 lines and the
 * export time. The caller encodes them as GBK.
 */
export function renderTradeBill(input: {
  readonly pid: string;
  readonly billDate: string;
  readonly rows: readonly BillRow[];
  readonly exportedAt: Date;
}): TradeBillFiles {
  const { pid, billDate, rows, exportedAt } = input;
  const compact = billDate.replaceAll('-', '');
  const start = beijingDayStart(billDate);
  const end = new Date(start.getTime() + 86_400_000);
  const account = `#账号：[${pid}0156]`;
  const period = `#起始日期：[${chineseDateTime(start)}]   终止日期：[${chineseDateTime(end)}]`;
  const exported = `#导出时间：[${chineseDateTime(exportedAt)}]`;
  const t = totalsOf(rows);

  const detail = [
    '#支付宝业务明细查询',
    account,
    period,
    DETAIL_BEGIN,
    csvLine(DETAIL_COLUMNS),
    ...rows.map((row) => csvLine(DETAIL_COLUMNS.map((c) => row[c] ?? ''))),
    DETAIL_END,
    `#交易合计：${t.trades}笔，商家实收共${fenToYuan(t.tradeReceived)}元，商家优惠共${fenToYuan(t.tradeMerchantDiscount)}元`,
    `#退款合计：${t.refunds}笔，商家实收退款共${fenToYuan(t.refundReceived)}元，商家优惠退款共${fenToYuan(t.refundMerchantDiscount)}元`,
    exported,
  ];

  const stores = new Map<string, BillRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.门店编号 ?? '', row.门店名称 ?? '']);
    stores.set(key, [...(stores.get(key) ?? []), row]);
  }
  const summary = [
    '#支付宝业务汇总查询',
    account,
    period,
    SUMMARY_BEGIN,
    csvLine(SUMMARY_COLUMNS),
    ...[...stores.entries()].map(([key, storeRows]) =>
      summaryLine(JSON.parse(key) as [string, string], totalsOf(storeRows)),
    ),
    summaryLine(['合计', ''], t),
    SUMMARY_END,
    exported,
  ];

  return {
    detailName: `${pid}_${compact}_业务明细.csv`,
    detail: detail.join(EOL) + EOL,
    summaryName: `${pid}_${compact}_业务明细(汇总).csv`,
    summary: summary.join(EOL) + EOL,
  };
}
