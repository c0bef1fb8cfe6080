import type { Context } from 'hono';
import type { SandboxDeps } from '../../deps.ts';
import { findOrder } from '../../orders/order-store.ts';
import type { WechatpayEnv } from '../env.ts';
import { wechatpayError } from '../errors.ts';
import { faultResponse } from '../wire/fault-response.ts';
import { sendError, sendJson } from '../wire/respond.ts';
import { findRefund } from './refund-store.ts';
import { refundView } from './refund-view.ts';

/** `GET /v3/refund/domestic/refunds/{out_refund_no}` (no mchid query: the Authorization names the merchant). */
export function queryRefund(deps: SandboxDeps) {
  return async (c: Context<WechatpayEnv>) => {
    const faulted = await faultResponse(c, deps, 'refunds.query');
    if (faulted) return faulted;
    const merchant = c.get('merchant');
    const refund = await findRefund(deps, merchant.mchid, c.req.param('no') ?? '');
    const order = refund && (await findOrder(deps, 'wechatpay', merchant.mchid, refund.out_trade_no));
    if (!refund || !order)
      return sendError(c, deps, wechatpayError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在'));
    return sendJson(c, deps, refundView(refund, order));
  };
}
