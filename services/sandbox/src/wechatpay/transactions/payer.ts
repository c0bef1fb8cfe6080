import { createHash } from 'node:crypto';
import type { Order } from '../../db/schema.ts';

/**
 * The payer's openid: the one the merchant sent (JSAPI), otherwise a stable
 * 28-character stand-in for "whoever scanned" derived from the order, so queries and
 * notifications agree without storing anything.
 */
export function payerOpenid(order: Pick<Order, 'payer' | 'trade_no' | 'merchant'>): string {
  if (order.payer) return order.payer;
  return `o${createHash('sha256').update(`${order.merchant}:${order.trade_no}`).digest('base64url').slice(0, 27)}`;
}

/** Every sandbox payment is from the payer's balance: WeChat's bank_type for that is OTHERS. */
export const BANK_TYPE = 'OTHERS';
