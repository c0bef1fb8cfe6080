import type { KeyObject } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { applyFault } from '../../faults/apply-fault.ts';
import { appKeys, findApp } from '../apps/app-store.ts';
import { acq, unavailable, v3ErrorBody } from '../failure.ts';
import { OPERATIONS } from '../operations/index.ts';
import type { OperationContext } from '../operations/operation.ts';
import { authenticateV3, parseAuthorization } from './v3-authenticate.ts';
import { v3Reply } from './v3-response.ts';

/** OpenAPI v3 paths (from `alipay-sdk-java-all` v3/docs) and the gateway method each stands for. */
const ROUTES = [
  ['POST', '/v3/alipay/trade/precreate', 'alipay.trade.precreate'],
  ['GET', '/v3/alipay/trade/query', 'alipay.trade.query'],
  ['POST', '/v3/alipay/trade/query', 'alipay.trade.query'],
  ['POST', '/v3/alipay/trade/close', 'alipay.trade.close'],
  ['POST', '/v3/alipay/trade/refund', 'alipay.trade.refund'],
  ['POST', '/v3/alipay/trade/fastpay/refund/query', 'alipay.trade.fastpay.refund.query'],
  [
    'GET',
    '/v3/alipay/data/dataservice/bill/downloadurl/query',
    'alipay.data.dataservice.bill.downloadurl.query',
  ],
] as const;

/**
 * The OpenAPI v3 transport (`alipay-sdk` `curl()`), sharing each operation with the
 * gateway: JSON in (body, or query for GET), plain JSON out, HTTP 4xx `{code, message}`
 * for errors (401 for authentication). Fault endpoint names are the gateway method names.
 */
export function v3Routes(ctx: OperationContext): Hono {
  const { deps } = ctx;
  const app = new Hono();

  for (const [httpMethod, path, method] of ROUTES) {
    const operation = OPERATIONS[method];
    if (!operation) throw new Error(`no operation for ${method}`);
    app.on(httpMethod, path, async (c: Context) => {
      const body = httpMethod === 'GET' ? '' : await c.req.text();
      const reply = (status: number, payload: unknown, key?: KeyObject) =>
        v3Reply(c, status, JSON.stringify(payload), deps.now(), key);

      const claimedAppId = parseAuthorization(c.req.header('authorization'))?.fields.app_id;
      const fault = await applyFault(deps, 'alipay', method, claimedAppId);
      if (fault) {
        const known = claimedAppId ? await findApp(deps, claimedAppId) : undefined;
        const key = known ? appKeys(known).alipayPrivateKey : undefined;
        if (fault.body !== null) return v3Reply(c, fault.status ?? 503, fault.body, deps.now(), key);
        return reply(fault.status ?? 503, v3ErrorBody(unavailable), key);
      }

      const auth = await authenticateV3(deps, {
        method: httpMethod,
        url: c.req.url,
        authorization: c.req.header('authorization'),
        appAuthToken: c.req.header('alipay-app-auth-token'),
        body,
      });
      if (!auth.ok)
        return reply(auth.failure.v3Status, v3ErrorBody(auth.failure), auth.keys?.alipayPrivateKey);
      const key = auth.keys.alipayPrivateKey;
      if (c.req.header('alipay-encrypt-type')) {
        return reply(400, v3ErrorBody(acq.invalidParameter('沙箱不支持内容加密')), key);
      }

      let params: Record<string, unknown>;
      if (httpMethod === 'GET') {
        params = Object.fromEntries(new URL(c.req.url).searchParams);
      } else {
        try {
          const parsed: unknown = body === '' ? {} : JSON.parse(body);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
            throw new TypeError('not an object');
          params = parsed as Record<string, unknown>;
        } catch {
          return reply(400, v3ErrorBody(acq.invalidParameter('请求体须为 JSON 对象')), key);
        }
      }
      const result = await operation(ctx, auth.app, params);
      if (!result.ok) return reply(result.failure.v3Status, v3ErrorBody(result.failure), key);
      return reply(200, result.fields, key);
    });
  }
  return app;
}
