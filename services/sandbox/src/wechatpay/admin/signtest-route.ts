import type { Hono } from 'hono';
import { z } from 'zod';
import type { SandboxDeps } from '../../deps.ts';
import { enqueueNotification } from '../../notifications/enqueue.ts';
import { newTransactionId } from '../ids.ts';
import { findMerchant } from '../merchants/merchant-store.ts';
import { notificationEnvelope } from '../notifications/notification-envelope.ts';
import { rfc3339Shanghai } from '../time.ts';
import { notifyUrl } from '../wire/field-rules.ts';
import { adminError, readAdminBody } from './read-admin-body.ts';

/**
 * `POST /_admin/wechatpay/merchants/:mchid/signtest {url}`: queues one of WeChat's
 * signature probes, a well-formed TRANSACTION.SUCCESS for an order that does not exist,
 * signed `WECHATPAY/SIGNTEST/…`. A merchant that skips verification "receives a
 * payment" here; one that verifies answers 4xx/5xx and sees it retried.
 */
export function registerSigntestRoute(admin: Hono, deps: SandboxDeps, kick: () => void): void {
  admin.post('/merchants/:mchid/signtest', async (c) => {
    const body = await readAdminBody(c, z.object({ url: notifyUrl }).strict());
    if (!body.ok) return c.json(adminError('PARAM_ERROR', body.message), 400);
    const merchant = await findMerchant(deps, c.req.param('mchid'));
    if (!merchant) return c.json(adminError('MCH_NOT_EXISTS', 'No such merchant.'), 404);
    const now = deps.now();
    const ref = `SIGNTEST${now.getTime()}`;
    const resource = {
      mchid: merchant.mchid,
      appid: merchant.appid,
      out_trade_no: ref,
      transaction_id: newTransactionId(now),
      trade_type: 'NATIVE',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'OTHERS',
      attach: '',
      success_time: rfc3339Shanghai(now),
      payer: { openid: 'oSIGNTEST0000000000000000000' },
      amount: { total: 1, payer_total: 1, currency: 'CNY', payer_currency: 'CNY' },
    };
    const notification = await enqueueNotification(deps.db, {
      provider: 'wechatpay',
      merchant: merchant.mchid,
      kind: 'probe',
      ref,
      url: body.value.url,
      contentType: 'application/json',
      body: notificationEnvelope(merchant.apiv3_key, 'TRANSACTION.SUCCESS', resource, now),
      signtest: true,
      now,
    });
    kick();
    return c.json({ id: notification.id, ref }, 201);
  });
}
