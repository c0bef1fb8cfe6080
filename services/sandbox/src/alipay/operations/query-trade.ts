import { shanghaiDateTime } from '../../bills/day-activity.ts';
import { fenToYuan } from '../../money.ts';
import { findTrade } from '../trades/trade-store.ts';
import { tradeExtra, tradeStatus } from '../trades/trade-view.ts';
import { fail, type Operation, ok, queryOptions } from './operation.ts';

/** `alipay.trade.query`: the trade's status and amounts; `fund_bill_list` on request via query_options. */
export const queryTrade: Operation = async ({ deps }, app, params) => {
  const found = await findTrade(deps, app, params);
  if ('failure' in found) return fail(found.failure);
  const { order } = found;
  const extra = tradeExtra(order);
  const status = tradeStatus(order, deps.now());
  const paid = order.status === 'paid';
  const amount = fenToYuan(order.amount);
  const fields: Record<string, unknown> = {
    trade_no: order.trade_no,
    out_trade_no: order.out_trade_no,
    buyer_logon_id: extra.buyer_logon_id,
    trade_status: status,
    total_amount: amount,
    buyer_pay_amount: paid ? amount : '0.00',
    point_amount: '0.00',
    invoice_amount: paid ? amount : '0.00',
    receipt_amount: paid ? amount : '0.00',
  };
  if (paid && order.paid_at) fields.send_pay_date = shanghaiDateTime(order.paid_at);
  fields.buyer_user_id = extra.buyer_id;
  if (paid && queryOptions(params).includes('fund_bill_list')) {
    fields.fund_bill_list = [{ fund_channel: 'ALIPAYACCOUNT', amount }];
  }
  return ok(fields);
};
