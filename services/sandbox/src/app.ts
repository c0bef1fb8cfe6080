import { Hono } from 'hono';
import { commonAdmin } from './admin/common-admin.ts';
import { requireOperator } from './admin/require-operator.ts';
import { createAlipayModule } from './alipay/module.ts';
import type { SandboxDeps } from './deps.ts';
import { NotificationDispatcher } from './notifications/dispatcher.ts';
import { payerPages } from './pages/payer-page.ts';
import type { ProviderModuleContext, SandboxProviderModule } from './provider-module.ts';
import { createWechatpayModule } from './wechatpay/module.ts';

export interface Sandbox {
  /** Mount at `/sandbox` (its routes are relative: `/wechatpay/v3/…`, `/alipay/gateway.do`, `/pay/…`, `/_admin/…`). */
  readonly app: Hono;
  readonly dispatcher: NotificationDispatcher;
  readonly modules: readonly SandboxProviderModule[];
  /** Starts delivering notifications. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * The wire-compatible WeChat Pay v3 and Alipay simulator: provider APIs, payer pages,
 * notifications with the providers' retry schedules, faults, bills and an admin API.
 *
 * @example
 * const sandbox = createSandbox({ db, config: { publicUrl, adminToken: undefined, timeFactor: 1 }, logger, now: () => new Date() });
 * app.route('/sandbox', sandbox.app);
 * sandbox.start();
 */
export function createSandbox(deps: SandboxDeps): Sandbox {
  let dispatcher: NotificationDispatcher | undefined;
  const ctx: ProviderModuleContext = { deps, kick: () => dispatcher?.kick() };
  const modules = [createWechatpayModule(ctx), createAlipayModule(ctx)] as const;
  dispatcher = new NotificationDispatcher({
    deps,
    policies: { wechatpay: modules[0].notifications, alipay: modules[1].notifications },
    sweeps: modules.flatMap((m) => (m.sweep ? [() => (m.sweep as () => Promise<void>)()] : [])),
  });

  const app = new Hono();
  app.onError((error, c) => {
    deps.logger.error({ err: error, path: c.req.path }, 'sandbox error');
    return c.json({ code: 'SYSTEM_ERROR', message: 'Sandbox internal error.' }, 500);
  });
  for (const module of modules) app.route(`/${module.provider}`, module.api);
  app.route('/', payerPages(deps, modules));

  const admin = new Hono();
  admin.use('*', requireOperator(deps.config));
  admin.route('/', commonAdmin(deps, modules, ctx.kick));
  for (const module of modules) admin.route(`/${module.provider}`, module.admin);
  app.route('/_admin', admin);

  const running = dispatcher;
  return {
    app,
    dispatcher: running,
    modules,
    start: () => running.start(),
    stop: () => running.stop(),
  };
}
