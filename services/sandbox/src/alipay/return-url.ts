import { shanghaiDateTime } from '../bills/day-activity.ts';
import { signSha256WithRsa } from '../crypto/rsa-signature.ts';
import type { AlipayApp, Order } from '../db/schema.ts';
import { fenToYuan } from '../money.ts';
import { appKeys } from './apps/app-store.ts';
import { NOTIFY_EXCLUDED, signContent } from './signing/sign-content.ts';

const REDIRECTING_METHODS = new Set(['alipay.trade.page.pay', 'alipay.trade.wap.pay']);

/**
 * Where the cashier sends the browser after a page/wap payment: the merchant's return_url
 * with signed GET parameters (`method=alipay.trade.page.pay.return`, …), signed like a
 * notification (without sign and sign_type). Undefined for other trades.
 */
export function signedReturnUrl(app: AlipayApp, order: Order, now: Date): string | undefined {
  if (!order.return_url || !REDIRECTING_METHODS.has(order.trade_type)) return undefined;
  const params: Record<string, string> = {
    charset: 'utf-8',
    out_trade_no: order.out_trade_no,
    method: `${order.trade_type}.return`,
    total_amount: fenToYuan(order.amount),
    trade_no: order.trade_no,
    auth_app_id: app.app_id,
    version: '1.0',
    app_id: app.app_id,
    sign_type: 'RSA2',
    seller_id: app.seller_id,
    timestamp: shanghaiDateTime(now),
  };
  const sign = signSha256WithRsa(appKeys(app).alipayPrivateKey, signContent(params, NOTIFY_EXCLUDED));
  const query = new URLSearchParams({ ...params, sign }).toString();
  // Appended as text: re-serialising the merchant's URL could re-encode its own query.
  const [base = '', fragment] = order.return_url.split('#', 2);
  const joined = `${base}${base.includes('?') ? '&' : '?'}${query}`;
  return fragment === undefined ? joined : `${joined}#${fragment}`;
}
