import type { BlockList } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import { ingestNotification } from '@paymux/operations';
import { acknowledgementFor } from '@paymux/providers';
import type { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.ts';
import { allowedSource, cidrList, clientAddress } from '../notify/source-allow-list.ts';

/**
 * POST /notify/wechatpay/{merchant_account_id} and /notify/alipay/{…}: provider callbacks.
 * Authenticated by signature (never by address alone; an optional allow-list of source
 * CIDRs per provider is checked in addition), answered exactly as each provider requires,
 * and only after the state change has committed.
 */
export function registerNotifyRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const allow: Record<'wechatpay' | 'alipay', BlockList | undefined> = {
    wechatpay: deps.config.notifyAllowCidrs?.wechatpay?.length
      ? cidrList(deps.config.notifyAllowCidrs.wechatpay)
      : undefined,
    alipay: deps.config.notifyAllowCidrs?.alipay?.length
      ? cidrList(deps.config.notifyAllowCidrs.alipay)
      : undefined,
  };
  const trusted = deps.config.trustedProxyCidrs?.length ? cidrList(deps.config.trustedProxyCidrs) : undefined;

  for (const provider of ['wechatpay', 'alipay'] as const) {
    app.post(`/notify/${provider}/:account`, async (c) => {
      const peer = (c.env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress;
      const source = clientAddress(peer, c.req.header('x-forwarded-for'), trusted);
      // The request id stays on the answer for tracing; the body is exactly what the provider expects.
      const respond = (ack: { status: number; contentType?: string; body: string }) =>
        new Response(ack.body === '' ? null : ack.body, {
          status: ack.status,
          headers: {
            ...(ack.contentType ? { 'content-type': ack.contentType } : {}),
            'request-id': c.get('requestId'),
          },
        });
      if (!allowedSource(allow[provider], source)) {
        deps.logger.warn({ provider, source }, 'notification from a source outside the allow-list');
        return respond(acknowledgementFor(provider, 'rejected'));
      }
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value;
      });
      try {
        const result = await ingestNotification({
          ctx: {
            db: deps.db,
            vault: deps.vault,
            endpoints: deps.providerEndpoints,
            credentialCache: deps.credentialCache,
            routeCache: deps.routeCache,
            actor: { type: 'system', id: null },
            requestId: c.get('requestId'),
          },
          input: {
            provider,
            merchantAccountId: c.req.param('account'),
            headers,
            rawBody: await c.req.text(),
          },
        });
        if (result.outcome === 'rejected' || result.outcome === 'unroutable') {
          deps.logger.warn(
            { provider, outcome: result.outcome, reason: result.reason },
            'provider notification refused',
          );
        }
        return respond(result.acknowledgement);
      } catch (error) {
        // Nothing was committed: ask the provider to send it again.
        deps.logger.error({ err: error, provider }, 'provider notification could not be processed');
        return respond(acknowledgementFor(provider, 'retry'));
      }
    });
  }
}
