import type { Context } from 'hono';
import type { SandboxDeps } from '../../deps.ts';
import { findOrder, findOrderByTradeNo, refreshExpiry } from '../../orders/order-store.ts';
import type { WechatpayEnv } from '../env.ts';
import { errors, wechatpayError } from '../errors.ts';
import { faultResponse } from '../wire/fault-response.ts';
import { sendError, sendJson } from '../wire/respond.ts';
import { orderAppid, transactionView } from './transaction-view.ts';

const MCHID_REQUIRED = wechatpayError(
  400,
  'PARAM_ERROR',
  '输入源“/query/mchid”映射到字段“直连商户号”必填性规则校验失败，此字段为必填项',
  { field: 'mchid', location: 'query', value: '' },
);

/**
 * `GET /v3/pay/transactions/out-trade-no/{no}?mchid=` and `GET /v3/pay/transactions/id/{id}?mchid=`.
 * An unpaid order can only be found by out_trade_no (it has no transaction yet).
 */
export function queryTransaction(deps: SandboxDeps, by: 'out_trade_no' | 'transaction_id') {
  return async (c: Context<WechatpayEnv>) => {
    const faulted = await faultResponse(c, deps, 'transactions.query');
    if (faulted) return faulted;
    const merchant = c.get('merchant');
    const mchid = c.req.query('mchid');
    if (!mchid) return sendError(c, deps, MCHID_REQUIRED);
    if (mchid !== merchant.mchid) return sendError(c, deps, errors.mchidMismatch('query', mchid));

    const found =
      by === 'out_trade_no'
        ? await findOrder(deps, 'wechatpay', merchant.mchid, c.req.param('no') ?? '')
        : await findOrderByTradeNo(deps, 'wechatpay', merchant.mchid, c.req.param('id') ?? '');
    if (!found || (by === 'transaction_id' && found.paid_at === null)) {
      return sendError(c, deps, errors.orderNotExist());
    }
    const order = await refreshExpiry(deps, found);
    return sendJson(c, deps, transactionView(order, orderAppid(order, merchant.appid)));
  };
}
