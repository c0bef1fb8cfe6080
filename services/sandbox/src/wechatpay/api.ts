import { type Context, Hono } from 'hono';
import type { SandboxDeps } from '../deps.ts';
import { authenticate } from './auth/authenticate.ts';
import { applyTradeBill } from './bills/apply-trade-bill.ts';
import { downloadBill } from './bills/download-bill.ts';
import { downloadCertificates } from './certificates/download-certificates.ts';
import type { WechatpayEnv } from './env.ts';
import { createRefund } from './refunds/create-refund.ts';
import { queryRefund } from './refunds/query-refund.ts';
import { closeTransaction } from './transactions/close-transaction.ts';
import { placeOrder } from './transactions/place-order.ts';
import { queryTransaction } from './transactions/query-transaction.ts';

type Handler = (c: Context<WechatpayEnv>) => Promise<Response>;

/**
 * WeChat Pay's v3 wire API at its real paths (`/v3/...`). Every route authenticates the
 * merchant first; a known path called with the wrong method is a bare 405 and an unknown
 * path a bare 404, both before authentication, as the live API answers.
 */
export function wechatpayApi(deps: SandboxDeps): Hono {
  const api = new Hono<WechatpayEnv>();
  const auth = authenticate(deps);
  const paths = new Set<string>();
  const route = (method: 'GET' | 'POST', path: string, handler: Handler) => {
    paths.add(path);
    api.on(method, path, auth, handler);
  };

  for (const product of ['native', 'jsapi', 'h5', 'app'] as const) {
    route('POST', `/v3/pay/transactions/${product}`, placeOrder(deps, product));
  }
  route('GET', '/v3/pay/transactions/out-trade-no/:no', queryTransaction(deps, 'out_trade_no'));
  route('GET', '/v3/pay/transactions/id/:id', queryTransaction(deps, 'transaction_id'));
  route('POST', '/v3/pay/transactions/out-trade-no/:no/close', closeTransaction(deps));
  route('POST', '/v3/refund/domestic/refunds', createRefund(deps));
  route('GET', '/v3/refund/domestic/refunds/:no', queryRefund(deps));
  route('GET', '/v3/certificates', downloadCertificates(deps));
  route('GET', '/v3/bill/tradebill', applyTradeBill(deps));
  route('GET', '/v3/billdownload/file', downloadBill(deps));

  for (const path of paths) api.all(path, (c) => c.body(null, 405));
  api.all('/v3/*', (c) => c.body(null, 404));

  api.onError((error, c) => {
    deps.logger.error({ err: error, path: c.req.path }, 'wechatpay sandbox error');
    return c.json({ code: 'SYSTEM_ERROR', message: '系统错误' }, 500);
  });

  const mounted = new Hono();
  mounted.route('/', api);
  return mounted;
}
