import { shanghaiDateTime } from '../../bills/day-activity.ts';
import { fenToYuan } from '../../money.ts';
import { acq } from '../failure.ts';
import { findTrade } from '../trades/trade-store.ts';
import { fail, type Operation, ok, queryOptions } from './operation.ts';

/**
 * `alipay.trade.fastpay.refund.query`. A refund that does not exist is not an error:
 * Alipay answers Success with no refund data, which merchants must read as "not refunded".
 */
export const queryRefund: Operation = async ({ deps }, app, params) => {
  const found = await findTrade(deps, app, params);
  if ('failure' in found) return fail(found.failure);
  const outRequestNo = params.out_request_no;
  if (typeof outRequestNo !== 'string' || outRequestNo === '')
    return fail(acq.invalidParameter('out_request_no'));
  const refund = await deps.db
    .selectFrom('refunds')
    .selectAll()
    .where('provider', '=', 'alipay')
    .where('merchant', '=', app.app_id)
    .where('out_refund_no', '=', outRequestNo)
    .where('out_trade_no', '=', found.order.out_trade_no)
    .where('status', '=', 'success')
    .executeTakeFirst();
  if (!refund) return ok({});
  const fields: Record<string, unknown> = {
    trade_no: found.order.trade_no,
    out_trade_no: found.order.out_trade_no,
    out_request_no: refund.out_refund_no,
    total_amount: fenToYuan(found.order.amount),
    refund_amount: fenToYuan(refund.amount),
    refund_status: 'REFUND_SUCCESS',
  };
  if (refund.reason) fields.refund_reason = refund.reason;
  if (queryOptions(params).includes('gmt_refund_pay') && refund.succeeded_at) {
    fields.gmt_refund_pay = shanghaiDateTime(refund.succeeded_at);
  }
  return ok(fields);
};
