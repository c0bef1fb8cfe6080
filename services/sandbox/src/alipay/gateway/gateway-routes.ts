import { type Context, Hono } from 'hono';
import type { Fault } from '../../db/schema.ts';
import { applyFault } from '../../faults/apply-fault.ts';
import { payerPageUrl } from '../../pages/payer-page.ts';
import { appKeys, findApp } from '../apps/app-store.ts';
import {
  type AlipayFailure,
  invalidArgument,
  missingArgument,
  unavailable,
  v2ErrorFields,
} from '../failure.ts';
import { OPERATIONS } from '../operations/index.ts';
import type { Operation, OperationContext } from '../operations/operation.ts';
import { createTrade } from '../trades/create-trade.ts';
import { authenticateGateway } from './authenticate.ts';
import { businessParams } from './biz-content.ts';
import { gatewayErrorPage } from './error-page.ts';
import { readGatewayParams } from './gateway-params.ts';
import { renderV2Response, responseKey, V2_CONTENT_TYPE } from './v2-response.ts';

/** Cashier methods: the browser comes to the gateway (pageExec's URL or form) and is sent to the cashier. */
const PAGE_METHODS = new Set(['alipay.trade.page.pay', 'alipay.trade.wap.pay'] as const);
type PageMethod = 'alipay.trade.page.pay' | 'alipay.trade.wap.pay';
const isPageMethod = (method: string): method is PageMethod => PAGE_METHODS.has(method as PageMethod);

function reply(c: Context, body: string, status = 200) {
  return c.body(body, status as 200, { 'content-type': V2_CONTENT_TYPE });
}

/** A gateway-level refusal that names no known method: `error_response`, unsigned. */
function errorResponse(c: Context, failure: AlipayFailure) {
  return reply(c, renderV2Response('error_response', v2ErrorFields(failure)));
}

/**
 * The v2 gateway, `GET|POST /alipay/gateway.do`. Server methods answer HTTP 200 with
 * `{"<method>_response":{…},"sign":"…"}` (errors too, signed whenever the app is known;
 * an unknown app gets the same shape unsigned, as Alipay does). Page and wap pay create
 * the trade and redirect the browser to the payer page (the cashier), or show an HTML
 * error page as Alipay's cashier does.
 */
export function gatewayRoutes(ctx: OperationContext): Hono {
  const { deps } = ctx;
  const app = new Hono();

  /** An injected fault: its body as given, or Alipay's signed 20000 reply; its HTTP status. */
  const faultReply = async (c: Context, fault: Fault, method: string, appId: string | undefined) => {
    if (fault.body !== null) return reply(c, fault.body, fault.status ?? 503);
    const known = appId ? await findApp(deps, appId) : undefined;
    const key = known ? appKeys(known).alipayPrivateKey : undefined;
    return reply(
      c,
      renderV2Response(responseKey(method), v2ErrorFields(unavailable), key),
      fault.status ?? 503,
    );
  };

  /** Page/wap pay: create the trade, send the browser to the cashier (or show the error page). */
  const cashier = async (c: Context, method: PageMethod, params: Record<string, string>) => {
    const fault = await applyFault(deps, 'alipay', method, params.app_id);
    if (fault) return await faultReply(c, fault, method, params.app_id);
    const auth = await authenticateGateway(deps, params);
    if (!auth.ok) return c.html(gatewayErrorPage(auth.failure));
    const biz = businessParams(params);
    if ('failure' in biz) return c.html(gatewayErrorPage(biz.failure));
    const created = await createTrade(deps, auth.app, method, biz.params);
    if ('failure' in created) return c.html(gatewayErrorPage(created.failure));
    return c.redirect(payerPageUrl(deps.config.publicUrl, created.order), 302);
  };

  /** A server-to-server method: the signed `<method>_response` JSON. */
  const serverMethod = async (
    c: Context,
    method: string,
    operation: Operation,
    params: Record<string, string>,
  ) => {
    const fault = await applyFault(deps, 'alipay', method, params.app_id);
    if (fault) return await faultReply(c, fault, method, params.app_id);
    const key = responseKey(method);
    const auth = await authenticateGateway(deps, params);
    if (!auth.ok)
      return reply(c, renderV2Response(key, v2ErrorFields(auth.failure), auth.keys?.alipayPrivateKey));
    const signer = auth.keys.alipayPrivateKey;
    const biz = businessParams(params);
    if ('failure' in biz) return reply(c, renderV2Response(key, v2ErrorFields(biz.failure), signer));
    const result = await operation(ctx, auth.app, biz.params);
    const inner = result.ok
      ? { code: '10000', msg: 'Success', ...result.fields }
      : v2ErrorFields(result.failure);
    return reply(c, renderV2Response(key, inner, signer));
  };

  app.on(['GET', 'POST'], '/gateway.do', async (c) => {
    const params = await readGatewayParams(c);
    const method = params.method;
    if (!method) return errorResponse(c, missingArgument('isv.missing-method', '缺少方法名参数'));
    if (isPageMethod(method)) return await cashier(c, method, params);
    const operation = OPERATIONS[method];
    if (operation) return await serverMethod(c, method, operation, params);
    if (method === 'alipay.trade.app.pay') {
      return errorResponse(
        c,
        invalidArgument(
          'isv.invalid-method',
          'alipay.trade.app.pay 由客户端发起；沙箱中请把订单串 POST 到 /alipay/app-pay',
        ),
      );
    }
    return errorResponse(c, invalidArgument('isv.invalid-method', '不存在的方法名（或沙箱未实现该接口）'));
  });

  return app;
}
