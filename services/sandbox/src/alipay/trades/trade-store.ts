import type { AlipayApp, Order } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';
import { findOrder, findOrderByTradeNo, refreshExpiry } from '../../orders/order-store.ts';
import { type AlipayFailure, acq } from '../failure.ts';
import { isVisible } from './trade-view.ts';

/**
 * Finds the trade a request names, as Alipay sees it now (expired → closed). `trade_no`
 * wins over `out_trade_no` when both are given, as documented. A trade nobody has opened
 * yet does not exist at Alipay.
 */
export async function findTrade(
  deps: SandboxDeps,
  app: AlipayApp,
  params: Record<string, unknown>,
): Promise<{ order: Order } | { failure: AlipayFailure }> {
  const tradeNo = typeof params.trade_no === 'string' && params.trade_no !== '' ? params.trade_no : undefined;
  const outTradeNo =
    typeof params.out_trade_no === 'string' && params.out_trade_no !== '' ? params.out_trade_no : undefined;
  if (!tradeNo && !outTradeNo)
    return { failure: acq.invalidParameter('out_trade_no 和 trade_no 不能同时为空') };
  const found = tradeNo
    ? await findOrderByTradeNo(deps, 'alipay', app.app_id, tradeNo)
    : await findOrder(deps, 'alipay', app.app_id, outTradeNo as string);
  if (!found || !isVisible(found)) return { failure: acq.tradeNotExist() };
  return { order: await refreshExpiry(deps, found) };
}

/**
 * Closes a trade that is waiting for the buyer (merchant close). A payer's failed attempt
 * leaves an Alipay trade waiting, so 'failed' orders close too. Undefined if it was not.
 */
export async function closeTrade(deps: SandboxDeps, order: Order): Promise<Order | undefined> {
  return await deps.db
    .updateTable('orders')
    .set({ status: 'closed', closed_at: deps.now() })
    .where('provider', '=', 'alipay')
    .where('merchant', '=', order.merchant)
    .where('out_trade_no', '=', order.out_trade_no)
    .where('status', 'in', ['pending', 'failed'])
    .returningAll()
    .executeTakeFirst();
}
