import { Hono } from 'hono';
import { applyFault } from '../../faults/apply-fault.ts';
import { payerPageUrl } from '../../pages/payer-page.ts';
import { invalidArgument, unavailable, v2ErrorFields } from '../failure.ts';
import type { OperationContext } from '../operations/operation.ts';
import { createTrade } from '../trades/create-trade.ts';
import { authenticateGateway } from './authenticate.ts';
import { businessParams } from './biz-content.ts';
import { parseOrderString } from './gateway-params.ts';

/**
 * `POST /alipay/app-pay` (sandbox only): stands in for the Alipay app. In production the
 * merchant's server signs an order string with `sdkExec('alipay.trade.app.pay', …)` and
 * its mobile app hands it to the Alipay client SDK; here the order string is POSTed as
 * the raw request body (any content type). It is verified exactly like a gateway request,
 * the trade is created, and the answer is `{"pay_url": "<payer page>"}` for a browser or
 * test to open in place of the Alipay app. Errors answer 400 with the gateway's
 * `code`/`msg`/`sub_code`/`sub_msg` (503 for an injected fault without a body).
 */
export function appPayRoute(ctx: OperationContext): Hono {
  const { deps } = ctx;
  const app = new Hono();
  app.post('/app-pay', async (c) => {
    const params = parseOrderString(await c.req.text());
    if (params.method !== 'alipay.trade.app.pay') {
      return c.json(
        v2ErrorFields(invalidArgument('isv.invalid-method', '订单串的 method 须为 alipay.trade.app.pay')),
        400,
      );
    }
    const fault = await applyFault(deps, 'alipay', 'alipay.trade.app.pay', params.app_id);
    if (fault) {
      if (fault.body !== null) return c.body(fault.body, (fault.status ?? 503) as 503);
      return c.json(v2ErrorFields(unavailable), (fault.status ?? 503) as 503);
    }
    const auth = await authenticateGateway(deps, params);
    if (!auth.ok) return c.json(v2ErrorFields(auth.failure), 400);
    const biz = businessParams(params);
    if ('failure' in biz) return c.json(v2ErrorFields(biz.failure), 400);
    const created = await createTrade(deps, auth.app, 'alipay.trade.app.pay', biz.params);
    if ('failure' in created) return c.json(v2ErrorFields(created.failure), 400);
    return c.json({ pay_url: payerPageUrl(deps.config.publicUrl, created.order) });
  });
  return app;
}
