import type { Order } from '../../db/schema.ts';

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

/** What the sandbox keeps about an Alipay trade beyond the shared order columns (`orders.extra`). */
export interface TradeExtra {
  readonly product_code?: string;
  readonly body?: string;
  readonly quit_url?: string;
  /** The simulated buyer, known to the merchant once the buyer has opened the cashier. */
  readonly buyer_id: string;
  readonly buyer_logon_id: string;
}

export function tradeExtra(order: Order): TradeExtra {
  const extra = order.extra as Partial<TradeExtra>;
  return {
    ...extra,
    buyer_id: extra.buyer_id ?? order.payer ?? '',
    buyer_logon_id: extra.buyer_logon_id ?? '',
  };
}

/**
 * The trade status Alipay reports. Alipay has no "failed" trade: a payer whose payment
 * failed leaves the trade waiting until it times out. A fully refunded trade is closed.
 */
export function tradeStatus(order: Order, now: Date): TradeStatus {
  switch (order.status) {
    case 'paid':
      return order.refunded >= order.amount ? 'TRADE_CLOSED' : 'TRADE_SUCCESS';
    case 'closed':
      return 'TRADE_CLOSED';
    case 'pending':
      return 'WAIT_BUYER_PAY';
    case 'failed':
      return order.time_expire.getTime() <= now.getTime() ? 'TRADE_CLOSED' : 'WAIT_BUYER_PAY';
    default: {
      const never: never = order.status;
      throw new Error(`unknown order status ${String(never)}`);
    }
  }
}

/** A trade exists at Alipay only once the buyer has opened it (scanned the QR code, logged in to the cashier). */
export function isVisible(order: Order): boolean {
  return order.scanned;
}
