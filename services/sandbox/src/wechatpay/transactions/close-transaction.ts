import type { Context } from 'hono';
import { z } from 'zod';
import type { SandboxDeps } from '../../deps.ts';
import { closeOrder, findOrder, refreshExpiry } from '../../orders/order-store.ts';
import type { WechatpayEnv } from '../env.ts';
import { errors, wechatpayError } from '../errors.ts';
import { faultResponse } from '../wire/fault-response.ts';
import { parseJsonBody } from '../wire/parse-body.ts';
import { sendError, sendNoContent } from '../wire/respond.ts';

// WeChat reports a missing body mchid on close against "uri_template" (observed), not "body".
const MCHID_REQUIRED = wechatpayError(
  400,
  'PARAM_ERROR',
  '输入源“/uri_template/mchid”映射到字段“直连商户号”必填性规则校验失败，此字段为必填项',
  { location: 'uri_template', value: '' },
);

const closeBody = z.looseObject({ mchid: z.string().optional() });

/**
 * `POST /v3/pay/transactions/out-trade-no/{no}/close` → 204. Closing is re-entrant (a
 * closed or expired order closes again without error); a paid order cannot be closed.
 */
export function closeTransaction(deps: SandboxDeps) {
  return async (c: Context<WechatpayEnv>) => {
    const faulted = await faultResponse(c, deps, 'transactions.close');
    if (faulted) return faulted;
    const merchant = c.get('merchant');
    const parsed = parseJsonBody(c.get('rawBody'), closeBody);
    if (!parsed.ok) return sendError(c, deps, parsed.error);
    if (!parsed.value.mchid) return sendError(c, deps, MCHID_REQUIRED);
    if (parsed.value.mchid !== merchant.mchid) {
      return sendError(c, deps, errors.mchidMismatch('body', parsed.value.mchid));
    }

    const found = await findOrder(deps, 'wechatpay', merchant.mchid, c.req.param('no') ?? '');
    if (!found) return sendError(c, deps, errors.orderNotExist());
    let order = await refreshExpiry(deps, found);
    if (order.status === 'pending') {
      // Compare-and-set: if the payer paid in between, the paid order wins and is reported below.
      order =
        (await closeOrder(deps, order)) ??
        (await findOrder(deps, 'wechatpay', merchant.mchid, order.out_trade_no)) ??
        order;
    }
    if (order.status === 'paid') return sendError(c, deps, wechatpayError(400, 'ORDERPAID', '订单已支付'));
    return sendNoContent(c, deps);
  };
}
