import { acq } from '../failure.ts';
import { closeTrade as closeStoredTrade, findTrade } from '../trades/trade-store.ts';
import { tradeStatus } from '../trades/trade-view.ts';
import { fail, type Operation, ok } from './operation.ts';

/** `alipay.trade.close`: only a trade waiting for the buyer can be closed. */
export const closeTrade: Operation = async ({ deps }, app, params) => {
  const found = await findTrade(deps, app, params);
  if ('failure' in found) return fail(found.failure);
  if (tradeStatus(found.order, deps.now()) !== 'WAIT_BUYER_PAY') return fail(acq.tradeStatusError());
  const closed = await closeStoredTrade(deps, found.order);
  // Lost a race with the payer (or expiry): report the state Alipay would now see.
  if (!closed) return fail(acq.tradeStatusError());
  return ok({ trade_no: closed.trade_no, out_trade_no: closed.out_trade_no });
};
