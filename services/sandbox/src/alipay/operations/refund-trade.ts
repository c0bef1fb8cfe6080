import { shanghaiDateTime } from '../../bills/day-activity.ts';
import type { Order, Refund } from '../../db/schema.ts';
import { fenToYuan } from '../../money.ts';
import { reserveRefund } from '../../orders/order-store.ts';
import { type AlipayFailure, acq } from '../failure.ts';
import { newRefundId } from '../ids.ts';
import { queueTradeNotification } from '../notifications/queue-notification.ts';
import { findTrade } from '../trades/trade-store.ts';
import { tradeExtra, tradeStatus } from '../trades/trade-view.ts';
import { parseAmount } from '../yuan.ts';
import { fail, type Operation, ok } from './operation.ts';

const OUT_REQUEST_NO = /^[A-Za-z0-9_-]{1,64}$/;

type Outcome =
  | { readonly failure: AlipayFailure }
  | {
      readonly order: Order;
      readonly refund: Refund;
      readonly fundChange: 'Y' | 'N';
      readonly queued: boolean;
    };

/**
 * `alipay.trade.refund`: synchronous, as Alipay's is. Without out_request_no only a full
 * refund is allowed (the request number then is the out_trade_no); a repeated
 * out_request_no with the same amount answers the first result with fund_change N.
 * The trade's notify_url hears of it (`trade_status_sync` with refund_fee; TRADE_CLOSED
 * once fully refunded).
 */
export const refundTrade: Operation = async ({ deps, kick }, app, params) => {
  const found = await findTrade(deps, app, params);
  if ('failure' in found) return fail(found.failure);
  const parsed = parseAmount('refund_amount', params.refund_amount);
  if ('failure' in parsed) {
    return fail(
      parsed.failure.subCode === 'ACQ.TOTAL_FEE_EXCEED' ? acq.refundAmtNotEqualTotal() : parsed.failure,
    );
  }
  const amount = parsed.fen;
  const explicitNo = params.out_request_no;
  if (
    explicitNo !== undefined &&
    explicitNo !== '' &&
    (typeof explicitNo !== 'string' || !OUT_REQUEST_NO.test(explicitNo))
  ) {
    return fail(acq.invalidParameter('out_request_no'));
  }
  const outRequestNo =
    typeof explicitNo === 'string' && explicitNo !== '' ? explicitNo : found.order.out_trade_no;
  const reason =
    typeof params.refund_reason === 'string' && params.refund_reason !== ''
      ? params.refund_reason.slice(0, 256)
      : null;

  const outcome = await deps.db.transaction().execute(async (trx): Promise<Outcome> => {
    const now = deps.now();
    const order = await trx
      .selectFrom('orders')
      .selectAll()
      .where('provider', '=', 'alipay')
      .where('merchant', '=', app.app_id)
      .where('out_trade_no', '=', found.order.out_trade_no)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const previous = await trx
      .selectFrom('refunds')
      .selectAll()
      .where('provider', '=', 'alipay')
      .where('merchant', '=', app.app_id)
      .where('out_refund_no', '=', outRequestNo)
      .executeTakeFirst();
    if (previous) {
      if (previous.out_trade_no !== order.out_trade_no) {
        // Alipay scopes out_request_no to the trade; the sandbox's refunds table keys it per app.
        return {
          failure: acq.invalidParameter(
            'out_request_no 已用于本应用的另一笔交易（沙箱限制：退款请求号在应用内唯一）',
          ),
        };
      }
      if (previous.amount !== amount) return { failure: acq.discordantRepeatRequest() };
      return { order, refund: previous, fundChange: 'N', queued: false };
    }
    const status = tradeStatus(order, now);
    if (status === 'WAIT_BUYER_PAY') return { failure: acq.tradeStatusError('交易状态非法') };
    if (status === 'TRADE_CLOSED') return { failure: acq.tradeHasClose() };
    if (outRequestNo === order.out_trade_no && amount !== order.amount) {
      return { failure: acq.refundAmtNotEqualTotal('撤销或退款金额与订单金额不一致') };
    }
    if (amount > order.amount) return { failure: acq.refundAmtNotEqualTotal() };
    if (!(await reserveRefund(trx, order, amount))) return { failure: acq.refundFeeErr() };
    const refund = await trx
      .insertInto('refunds')
      .values({
        provider: 'alipay',
        merchant: app.app_id,
        out_refund_no: outRequestNo,
        out_trade_no: order.out_trade_no,
        refund_id: newRefundId(now),
        amount,
        reason,
        notify_url: order.notify_url,
        request_hash: amount.toString(),
        status: 'success',
        succeeded_at: now,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const refundedOrder = { ...order, refunded: order.refunded + amount };
    const queued = await queueTradeNotification(trx, {
      app,
      order: refundedOrder,
      now,
      refund: { outRequestNo, refundedTotal: refundedOrder.refunded, refundedAt: now },
    });
    return { order: refundedOrder, refund, fundChange: 'Y', queued };
  });
  if ('failure' in outcome) return fail(outcome.failure);
  if (outcome.queued) kick();
  const extra = tradeExtra(outcome.order);
  return ok({
    trade_no: outcome.order.trade_no,
    out_trade_no: outcome.order.out_trade_no,
    buyer_logon_id: extra.buyer_logon_id,
    buyer_user_id: extra.buyer_id,
    fund_change: outcome.fundChange,
    refund_fee: fenToYuan(outcome.order.refunded),
    gmt_refund_pay: shanghaiDateTime(outcome.refund.succeeded_at ?? outcome.refund.created_at),
    send_back_fee: fenToYuan(outcome.refund.amount),
  });
};
