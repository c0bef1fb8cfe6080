import type { Context } from 'hono';
import type { SandboxDeps } from '../../deps.ts';
import { createOrder, refreshExpiry, requestHash } from '../../orders/order-store.ts';
import { payerPageUrl } from '../../pages/payer-page.ts';
import type { WechatpayEnv } from '../env.ts';
import { errors, wechatpayError } from '../errors.ts';
import { newPrepayId, newTransactionId } from '../ids.ts';
import { parseRfc3339 } from '../time.ts';
import { faultResponse } from '../wire/fault-response.ts';
import { paramErrorAt } from '../wire/param-error.ts';
import { parseJsonBody } from '../wire/parse-body.ts';
import { sendError, sendJson } from '../wire/respond.ts';
import { orderIdentity, type Product, TRADE_TYPES, TRANSACTION_SCHEMAS } from './transaction-input.ts';

// WeChat keeps a prepay_id (and so an unpaid order) usable for 2 hours when the merchant sets no time_expire.
const DEFAULT_EXPIRY_MS = 2 * 3_600_000;

/**
 * `POST /v3/pay/transactions/{native|jsapi|h5|app}`: places an order and answers with
 * what the payer needs (code_url, h5_url or prepay_id). Re-placing the same
 * out_trade_no with the same parameters returns the same answer; with different ones it
 * is WeChat's duplicate-order error.
 */
export function placeOrder(deps: SandboxDeps, product: Product) {
  return async (c: Context<WechatpayEnv>) => {
    const faulted = await faultResponse(c, deps, `transactions.${product}`);
    if (faulted) return faulted;
    const merchant = c.get('merchant');
    const parsed = parseJsonBody(c.get('rawBody'), TRANSACTION_SCHEMAS[product]);
    if (!parsed.ok) return sendError(c, deps, parsed.error);
    const body = parsed.value;
    if (body.mchid !== merchant.mchid) return sendError(c, deps, errors.mchidMismatch('body', body.mchid));
    if (body.appid !== merchant.appid) {
      return sendError(c, deps, wechatpayError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配'));
    }

    const now = deps.now();
    let timeExpire = new Date(now.getTime() + DEFAULT_EXPIRY_MS);
    if (body.time_expire !== undefined) {
      const parsedExpiry = parseRfc3339(body.time_expire);
      if (!parsedExpiry) {
        const issue = '应为rfc3339格式，如2018-06-08T10:34:56+08:00';
        return sendError(c, deps, paramErrorAt(['time_expire'], body, 'body', issue));
      }
      if (parsedExpiry.getTime() <= now.getTime()) {
        return sendError(c, deps, wechatpayError(400, 'INVALID_REQUEST', '交易结束时间不能早于当前时间'));
      }
      timeExpire = parsedExpiry;
    }

    const payer = (body as { payer?: { openid: string } }).payer;
    const result = await createOrder(deps, {
      provider: 'wechatpay',
      merchant: merchant.mchid,
      outTradeNo: body.out_trade_no,
      tradeNo: newTransactionId(now),
      tradeType: TRADE_TYPES[product],
      amount: BigInt(body.amount.total),
      description: body.description,
      notifyUrl: body.notify_url,
      returnUrl: null,
      attach: body.attach ?? null,
      payer: payer?.openid ?? null,
      timeExpire,
      requestHash: requestHash(orderIdentity(product, body)),
      extra: { appid: body.appid, prepay_id: newPrepayId(now) },
    });
    if (result.kind === 'conflict') {
      return sendError(c, deps, wechatpayError(400, 'INVALID_REQUEST', '201 商户订单号重复'));
    }
    const order = result.kind === 'existing' ? await refreshExpiry(deps, result.order) : result.order;
    if (order.status === 'paid') return sendError(c, deps, wechatpayError(400, 'ORDERPAID', '该订单已支付'));
    if (order.status === 'closed')
      return sendError(c, deps, wechatpayError(400, 'ORDER_CLOSED', '订单已关闭'));

    const prepayId = String((order.extra as { prepay_id?: unknown }).prepay_id);
    const payerPage = payerPageUrl(deps.config.publicUrl, order);
    switch (product) {
      case 'native':
        return sendJson(c, deps, { code_url: payerPage });
      case 'h5':
        return sendJson(c, deps, { h5_url: payerPage });
      case 'jsapi':
      case 'app':
        return sendJson(c, deps, { prepay_id: prepayId });
      default: {
        const never: never = product;
        throw new Error(`unknown product ${String(never)}`);
      }
    }
  };
}
