import type { BillAdjustment, DayActivity } from '../../bills/day-activity.ts';
import { shanghaiDateTime } from '../../bills/day-activity.ts';
import type { Order, Refund } from '../../db/schema.ts';
import { BANK_TYPE, payerOpenid } from '../transactions/payer.ts';
import { orderAppid } from '../transactions/transaction-view.ts';
import { formatDecimal, parseDecimal } from './bill-decimal.ts';
import { FEE_RATE_LABEL, feeFen } from './fee.ts';

export const BILL_TYPES = ['ALL', 'SUCCESS', 'REFUND'] as const;
export type BillType = (typeof BILL_TYPES)[number];

// Column layouts of WeChat's v3 trade bill per bill_type (binarywang/WxJava
// WxPayBillResultTest, wechatpay-go's trade bill tests).
const HEAD =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额';
const COLUMNS: Record<BillType, readonly string[]> = {
  ALL: `${HEAD},微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注`.split(
    ',',
  ),
  SUCCESS: `${HEAD},商品名称,商户数据包,手续费,费率,订单金额,费率备注`.split(','),
  REFUND:
    `${HEAD},退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注`.split(
      ',',
    ),
};
const SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
// WeChat's bills end lines with CRLF; a parser that only splits on \n keeps a \r.
const EOL = '\r\n';

type BillRow = Record<string, string>;

const yuan = (fen: bigint) => formatDecimal(fen, 2);
const fee = (fen: bigint) => formatDecimal(fen * 1000n, 5);

function orderColumns(order: Order, mchid: string, appid: string): BillRow {
  return {
    交易时间: order.paid_at ? shanghaiDateTime(order.paid_at) : '',
    公众账号ID: orderAppid(order, appid),
    商户号: mchid,
    特约商户号: '0',
    设备号: '',
    微信订单号: order.trade_no,
    商户订单号: order.out_trade_no,
    用户标识: payerOpenid(order),
    交易类型: order.trade_type,
    付款银行: BANK_TYPE,
    货币种类: order.currency,
    代金券金额: '0.00',
    充值券退款金额: '0.00',
    商品名称: order.description,
    商户数据包: order.attach ?? '',
    费率: FEE_RATE_LABEL,
    费率备注: '',
  };
}

function tradeRow(order: Order, mchid: string, appid: string): BillRow {
  return {
    ...orderColumns(order, mchid, appid),
    交易状态: 'SUCCESS',
    应结订单金额: yuan(order.amount),
    微信退款单号: '0',
    商户退款单号: '0',
    退款金额: '0.00',
    退款类型: '',
    退款状态: '',
    退款申请时间: '',
    退款成功时间: '',
    手续费: fee(feeFen(order.amount)),
    订单金额: yuan(order.amount),
    申请退款金额: '0.00',
  };
}

function refundRow(refund: Refund, order: Order, mchid: string, appid: string): BillRow {
  return {
    ...orderColumns(order, mchid, appid),
    交易状态: 'REFUND',
    应结订单金额: '0.00',
    退款申请时间: shanghaiDateTime(refund.created_at),
    退款成功时间: refund.succeeded_at ? shanghaiDateTime(refund.succeeded_at) : '',
    微信退款单号: refund.refund_id,
    商户退款单号: refund.out_refund_no,
    退款金额: yuan(refund.amount),
    退款类型: 'ORIGINAL',
    退款状态: 'SUCCESS',
    // The fee is returned in proportion to the refund.
    手续费: fee(-feeFen(refund.amount)),
    订单金额: '0.00',
    申请退款金额: yuan(refund.amount),
  };
}

const matches = (row: BillRow, ref: string | null) =>
  ref !== null && (row.商户订单号 === ref || row.商户退款单号 === ref);

/** Admin edits for reconciliation tests: drop or alter rows by out_trade_no/out_refund_no, or add one. */
export function applyAdjustments(rows: BillRow[], adjustments: readonly BillAdjustment[]): BillRow[] {
  let result = rows;
  for (const adjustment of adjustments) {
    const overrides = Object.fromEntries(
      Object.entries(adjustment.row).map(([k, v]) => [k, String(v ?? '')]),
    );
    switch (adjustment.action) {
      case 'drop':
        result = result.filter((row) => !matches(row, adjustment.ref));
        break;
      case 'alter':
        result = result.map((row) => (matches(row, adjustment.ref) ? { ...row, ...overrides } : row));
        break;
      case 'add':
        result = [...result, overrides];
        break;
      default: {
        const never: never = adjustment.action;
        throw new Error(`unknown bill adjustment ${String(never)}`);
      }
    }
  }
  return result;
}

/** Sums a column; a value an adjustment made unreadable counts as zero rather than breaking the bill. */
function total(rows: readonly BillRow[], column: string, scale: number): bigint {
  return rows.reduce((sum, row) => sum + (parseDecimal(row[column] ?? '', scale) ?? 0n), 0n);
}

function summaryRow(rows: readonly BillRow[]): string[] {
  return [
    String(rows.length),
    formatDecimal(total(rows, '应结订单金额', 2), 2),
    formatDecimal(total(rows, '退款金额', 2), 2),
    formatDecimal(total(rows, '充值券退款金额', 2), 2),
    formatDecimal(total(rows, '手续费', 5), 5),
    formatDecimal(total(rows, '订单金额', 2), 2),
    formatDecimal(total(rows, '申请退款金额', 2), 2),
  ];
}

const line = (fields: readonly string[]) => fields.map((f) => `\`${f}`).join(',');

/**
 * The day's trade bill as WeChat writes it: a header row, one row per paid order
 * (SUCCESS) and per completed refund (REFUND) — every field prefixed with a backtick,
 * amounts in yuan, fees to 5 decimals — then a summary computed from the rows as
 * printed, so it agrees with them even after adjustments. Undefined when the bill has no
 * rows (WeChat's NO_STATEMENT_EXIST).
 */
export function buildTradeBill(input: {
  readonly mchid: string;
  readonly appid: string;
  readonly activity: DayActivity;
  readonly billType: BillType;
}): string | undefined {
  const { mchid, appid, activity, billType } = input;
  const events = [
    ...activity.trades.map((order) => ({
      at: order.paid_at?.getTime() ?? 0,
      row: tradeRow(order, mchid, appid),
    })),
    ...activity.refunds.map(({ refund, order }) => ({
      at: refund.succeeded_at?.getTime() ?? 0,
      row: refundRow(refund, order, mchid, appid),
    })),
  ].sort((a, b) => a.at - b.at);
  const rows = applyAdjustments(
    events.map((e) => e.row),
    activity.adjustments,
  ).filter((row) => billType === 'ALL' || row.交易状态 === billType);
  if (rows.length === 0) return undefined;
  const columns = COLUMNS[billType];
  return [
    columns.join(','),
    ...rows.map((row) => line(columns.map((column) => row[column] ?? ''))),
    SUMMARY_HEADER,
    line(summaryRow(rows)),
  ]
    .map((l) => `${l}${EOL}`)
    .join('');
}
