import { Hono } from 'hono';
import type { ProviderModuleContext, SandboxProviderModule } from '../provider-module.ts';
import { registerMerchantRoutes } from './admin/merchant-routes.ts';
import { registerRefundOutcomeRoutes } from './admin/refund-outcome-routes.ts';
import { registerSigntestRoute } from './admin/signtest-route.ts';
import { wechatpayApi } from './api.ts';
import { findMerchant } from './merchants/merchant-store.ts';
import { wechatpayNotificationPolicy } from './notifications/notification-policy.ts';
import { sweepRefunds } from './refunds/sweep-refunds.ts';
import { settleTransaction } from './transactions/settle-transaction.ts';

/**
 * The WeChat Pay v3 half of the sandbox: the wire API under `/wechatpay/v3/...`
 * (signed requests in, signed answers out, as `wechatpay-node-v3` and the official SDKs
 * expect), its admin routes under `/_admin/wechatpay`, signed and encrypted
 * notifications on WeChat's retry schedule, and refunds that settle on their own.
 *
 * @example
 * const wechatpay = createWechatpayModule({ deps, kick: () => dispatcher.kick() });
 * app.route('/wechatpay', wechatpay.api);
 */
export function createWechatpayModule(ctx: ProviderModuleContext): SandboxProviderModule {
  const { deps } = ctx;
  const admin = new Hono();
  registerMerchantRoutes(admin, deps);
  registerSigntestRoute(admin, deps, ctx.kick);
  registerRefundOutcomeRoutes(admin, ctx);

  return {
    provider: 'wechatpay',
    notifications: wechatpayNotificationPolicy,
    api: wechatpayApi(deps),
    admin,
    merchantName: async (mchid) => (await findMerchant(deps, mchid))?.name ?? mchid,
    settle: (order, outcome) => settleTransaction(ctx, order, outcome),
    sweep: () => sweepRefunds(ctx),
  };
}
