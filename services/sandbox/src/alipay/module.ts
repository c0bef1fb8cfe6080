import { Hono } from 'hono';
import type { ProviderModuleContext, SandboxProviderModule } from '../provider-module.ts';
import { appAdmin } from './apps/app-admin.ts';
import { findApp } from './apps/app-store.ts';
import { billRoute } from './bills/bill-route.ts';
import { appPayRoute } from './gateway/app-pay-route.ts';
import { gatewayRoutes } from './gateway/gateway-routes.ts';
import { alipayNotificationPolicy } from './notifications/notification-policy.ts';
import { settleTrade } from './settle.ts';
import { v3Routes } from './v3/v3-routes.ts';

/**
 * The Alipay open platform (public-key mode) as `alipay-sdk` sees it: the v2 gateway
 * (`/alipay/gateway.do`: exec, pageExec), the OpenAPI v3 endpoints (`/alipay/v3/…`:
 * curl), `trade_status_sync` notifications, signed return_url redirects and GBK bill
 * zips. Point the SDK at it with
 * `gateway: '<sandbox>/alipay/gateway.do', endpoint: '<sandbox>/alipay'`.
 *
 * Sandbox-only additions: `POST /alipay/app-pay` (an app-pay order string in, the payer
 * page out) and the admin routes `POST /_admin/alipay/apps`, `GET /_admin/alipay/apps/{id}`.
 */
export function createAlipayModule(ctx: ProviderModuleContext): SandboxProviderModule {
  const { deps } = ctx;
  const api = new Hono();
  api.route('/', gatewayRoutes(ctx));
  api.route('/', appPayRoute(ctx));
  api.route('/', v3Routes(ctx));
  api.route('/', billRoute(deps));

  return {
    provider: 'alipay',
    notifications: alipayNotificationPolicy,
    api,
    admin: appAdmin(deps),
    merchantName: async (appId) => (await findApp(deps, appId))?.name ?? appId,
    settle: (order, outcome) => settleTrade(ctx, order, outcome),
  };
}
