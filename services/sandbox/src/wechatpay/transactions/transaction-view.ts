import type { Order } from '../../db/schema.ts';
import { rfc3339Shanghai } from '../time.ts';
import { BANK_TYPE, payerOpenid } from './payer.ts';

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED' | 'PAYERROR';

const DESCRIPTIONS: Record<TradeState, string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  REFUND: '订单发生过退款',
  CLOSED: '订单已关闭',
  PAYERROR: '支付失败，请重新下单支付',
};

/** WeChat's trade_state for an order; any (even pending) refund turns SUCCESS into REFUND. */
export function tradeState(order: Pick<Order, 'status' | 'refunded'>): TradeState {
  switch (order.status) {
    case 'pending':
      return 'NOTPAY';
    case 'paid':
      return order.refunded > 0n ? 'REFUND' : 'SUCCESS';
    case 'closed':
      return 'CLOSED';
    case 'failed':
      return 'PAYERROR';
    default: {
      const never: never = order.status;
      throw new Error(`unknown order status ${String(never)}`);
    }
  }
}

/** The appid the order was placed with (kept in extra), falling back to the merchant's. */
export function orderAppid(order: Pick<Order, 'extra'>, fallback: string): string {
  const appid = (order.extra as { appid?: unknown }).appid;
  return typeof appid === 'string' ? appid : fallback;
}

/**
 * The transaction as `GET /v3/pay/transactions/...` and the TRANSACTION.SUCCESS resource
 * show it. As at WeChat, an unpaid or closed order has no transaction_id, payer,
 * success_time, trade_type or bank_type yet.
 */
export function transactionView(order: Order, appid: string) {
  const state = tradeState(order);
  const paid = order.status === 'paid' && order.paid_at !== null;
  const base = {
    appid,
    mchid: order.merchant,
    out_trade_no: order.out_trade_no,
    trade_state: state,
    trade_state_desc: DESCRIPTIONS[state],
    attach: order.attach ?? '',
    promotion_detail: [] as unknown[],
  };
  if (!paid) {
    return {
      ...base,
      ...(state === 'PAYERROR' ? { trade_type: order.trade_type } : {}),
      amount: { total: Number(order.amount), payer_currency: order.currency },
    };
  }
  return {
    ...base,
    transaction_id: order.trade_no,
    trade_type: order.trade_type,
    bank_type: BANK_TYPE,
    success_time: rfc3339Shanghai(order.paid_at as Date),
    payer: { openid: payerOpenid(order) },
    amount: {
      total: Number(order.amount),
      payer_total: Number(order.amount),
      currency: order.currency,
      payer_currency: order.currency,
    },
  };
}
