import type { Context } from 'hono';
import type { Order, Refund } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';
import { findOrder, findOrderByTradeNo, requestHash, reserveRefund } from '../../orders/order-store.ts';
import type { WechatpayEnv } from '../env.ts';
import { wechatpayError } from '../errors.ts';
import { newRefundId } from '../ids.ts';
import { faultResponse } from '../wire/fault-response.ts';
import { paramErrorAt } from '../wire/param-error.ts';
import { parseJsonBody } from '../wire/parse-body.ts';
import { sendError, sendJson } from '../wire/respond.ts';
import { type RefundRequest, refundRequestSchema } from './refund-input.ts';
import { findRefund } from './refund-store.ts';
import { refundView } from './refund-view.ts';

const ERRORS = {
  orderNotFound: () => wechatpayError(404, 'RESOURCE_NOT_EXISTS', '订单不存在'),
  // WeChat documents RESOURCE_NOT_EXISTS for "the order does not exist or is not paid yet".
  orderNotPaid: () => wechatpayError(404, 'RESOURCE_NOT_EXISTS', '订单未支付'),
  totalMismatch: () => wechatpayError(400, 'INVALID_REQUEST', '订单金额与原交易订单金额不一致'),
  // The same out_refund_no with other amounts (FAQ's REFUND_FEE_MISMATCH).
  mismatch: () =>
    wechatpayError(400, 'REFUND_FEE_MISMATCH', '订单金额或退款金额与之前请求不一致，请核实后再试'),
  // WeChat's NOT_ENOUGH means the merchant's balance is short; asking for more than the
  // order has left is a rejected request (v2: INVALID_REQUEST "refund_fee大于可退金额").
  exceeds: () => wechatpayError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额'),
};

class RefundExceedsRemainder extends Error {}

async function orderOf(deps: SandboxDeps, mchid: string, body: RefundRequest): Promise<Order | undefined> {
  // WeChat prefers transaction_id when both are given.
  if (body.transaction_id) {
    const order = await findOrderByTradeNo(deps, 'wechatpay', mchid, body.transaction_id);
    // An unpaid order has no transaction yet, so its transaction_id finds nothing.
    return order?.paid_at ? order : undefined;
  }
  return body.out_trade_no ? await findOrder(deps, 'wechatpay', mchid, body.out_trade_no) : undefined;
}

/**
 * `POST /v3/refund/domestic/refunds`: accepts a refund of a paid order as PROCESSING
 * (it succeeds a few time-compressed seconds later, see sweep-refunds.ts). The amount is
 * reserved against the order under a row lock, so refunds never exceed what was paid;
 * the same out_refund_no with the same amounts returns the existing refund.
 */
export function createRefund(deps: SandboxDeps) {
  return async (c: Context<WechatpayEnv>) => {
    const faulted = await faultResponse(c, deps, 'refunds.create');
    if (faulted) return faulted;
    const merchant = c.get('merchant');
    const parsed = parseJsonBody(c.get('rawBody'), refundRequestSchema);
    if (!parsed.ok) return sendError(c, deps, parsed.error);
    const body = parsed.value;
    if (!body.transaction_id && !body.out_trade_no) {
      return sendError(c, deps, paramErrorAt(['out_trade_no'], body, 'body', ''));
    }

    const order = await orderOf(deps, merchant.mchid, body);
    if (!order) return sendError(c, deps, ERRORS.orderNotFound());
    const hash = requestHash({
      out_trade_no: order.out_trade_no,
      refund: body.amount.refund,
      total: body.amount.total,
    });

    const existing = await findRefund(deps, merchant.mchid, body.out_refund_no);
    if (existing) {
      if (existing.request_hash !== hash) return sendError(c, deps, ERRORS.mismatch());
      return sendJson(c, deps, refundView(existing, order));
    }
    if (order.status !== 'paid') return sendError(c, deps, ERRORS.orderNotPaid());
    if (BigInt(body.amount.total) !== order.amount) return sendError(c, deps, ERRORS.totalMismatch());

    let refund: Refund | undefined;
    try {
      refund = await deps.db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('refunds')
          .values({
            provider: 'wechatpay',
            merchant: merchant.mchid,
            out_refund_no: body.out_refund_no,
            out_trade_no: order.out_trade_no,
            refund_id: newRefundId(),
            amount: BigInt(body.amount.refund),
            reason: body.reason ?? null,
            notify_url: body.notify_url ?? null,
            request_hash: hash,
            created_at: deps.now(),
          })
          .onConflict((oc) => oc.columns(['provider', 'merchant', 'out_refund_no']).doNothing())
          .returningAll()
          .executeTakeFirst();
        // Lost a race with the same out_refund_no: answer as the idempotent retry it is.
        if (!inserted) return undefined;
        if (!(await reserveRefund(trx, order, inserted.amount))) throw new RefundExceedsRemainder();
        return inserted;
      });
    } catch (error) {
      if (error instanceof RefundExceedsRemainder) return sendError(c, deps, ERRORS.exceeds());
      throw error;
    }
    const accepted = refund ?? (await findRefund(deps, merchant.mchid, body.out_refund_no));
    if (!accepted) throw new Error('refund vanished after a conflicting insert');
    if (accepted.request_hash !== hash) return sendError(c, deps, ERRORS.mismatch());
    return sendJson(c, deps, refundView(accepted, order));
  };
}
