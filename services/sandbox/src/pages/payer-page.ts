import { Hono } from 'hono';
import { html } from 'hono/html';
import QRCode from 'qrcode';
import type { Order } from '../db/schema.ts';
import type { SandboxDeps } from '../deps.ts';
import { fenToYuan } from '../money.ts';
import { findOrderByPayToken, markScanned, refreshExpiry } from '../orders/order-store.ts';
import type { SandboxProviderModule } from '../provider-module.ts';

const PROVIDER_LABEL = { wechatpay: 'WeChat Pay', alipay: 'Alipay' } as const;
const STATUS_LABEL = {
  pending: 'Awaiting payment',
  paid: 'Paid',
  closed: 'Closed',
  failed: 'Payment failed',
} as const;

/** The payer's URL for an order: what the QR code in a test-mode `next_action` encodes. */
export function payerPageUrl(publicUrl: string, order: Pick<Order, 'pay_token'>): string {
  return `${publicUrl}/pay/${order.pay_token}`;
}

function page(title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font-family: system-ui, -apple-system, "PingFang SC", sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 420px; margin: 0 auto; padding: 24px 16px; }
  .card { background: #fff; border-radius: 12px; padding: 24px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  .badge { display: inline-block; font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #fff3cd; color: #7a5b00; }
  .amount { font-size: 40px; font-weight: 600; margin: 16px 0 4px; }
  .muted { color: #667; font-size: 14px; }
  .actions { display: flex; gap: 12px; margin-top: 24px; }
  button { flex: 1; font-size: 17px; padding: 14px; border-radius: 8px; border: 0; cursor: pointer; }
  .pay { background: #07c160; color: #fff; }
  .fail { background: #eee; color: #333; }
  .status { margin-top: 16px; font-weight: 600; }
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

/**
 * Payer pages: `/pay/{token}` shows merchant, amount and description with Pay and Fail
 * buttons (what a scanned QR code or a redirect lands on in test mode), and
 * `/pay/{token}/qr.svg` renders the QR code for that page.
 */
export function payerPages(deps: SandboxDeps, modules: readonly SandboxProviderModule[]): Hono {
  const app = new Hono();
  const moduleFor = (order: Order) => modules.find((m) => m.provider === order.provider);

  const load = async (token: string) => {
    const order = await findOrderByPayToken(deps, token);
    return order ? await refreshExpiry(deps, order) : undefined;
  };

  app.get('/pay/:token', async (c) => {
    const order = await load(c.req.param('token'));
    const module = order && moduleFor(order);
    if (!order || !module)
      return c.html(page('Not found', html`<div class="card">No such order.</div>`), 404);
    // Opening the page is the scan: a precreated Alipay order now exists at "Alipay".
    await markScanned(deps, order);
    const merchant = await module.merchantName(order.merchant);
    const payable = order.status === 'pending';
    return c.html(
      page(
        `Pay ${merchant}`,
        html`<div class="card">
  <span class="badge">${PROVIDER_LABEL[order.provider]} sandbox · test mode</span>
  <div class="amount" data-testid="amount">¥${fenToYuan(order.amount)}</div>
  <div data-testid="merchant">${merchant}</div>
  <div class="muted" data-testid="description">${order.description}</div>
  <div class="muted">Order ${order.out_trade_no}</div>
  <div class="status" data-testid="status">${STATUS_LABEL[order.status]}</div>
  ${
    payable
      ? html`<div class="actions">
    <form method="post" action="${deps.config.publicUrl}/pay/${order.pay_token}/fail" style="flex:1;display:flex">
      <button class="fail" type="submit">Fail</button></form>
    <form method="post" action="${deps.config.publicUrl}/pay/${order.pay_token}/pay" style="flex:1;display:flex">
      <button class="pay" type="submit">Pay ¥${fenToYuan(order.amount)}</button></form>
  </div>`
      : ''
  }
</div>`,
      ),
    );
  });

  for (const outcome of ['pay', 'fail'] as const) {
    app.post(`/pay/:token/${outcome}`, async (c) => {
      const token = c.req.param('token');
      const order = await load(token);
      const module = order && moduleFor(order);
      if (!order || !module)
        return c.html(page('Not found', html`<div class="card">No such order.</div>`), 404);
      const settled = await module.settle(order, outcome);
      if (settled?.redirectUrl) return c.redirect(settled.redirectUrl, 303);
      return c.redirect(`${deps.config.publicUrl}/pay/${token}`, 303);
    });
  }

  app.get('/pay/:token/qr.svg', async (c) => {
    const order = await findOrderByPayToken(deps, c.req.param('token'));
    if (!order) return c.text('No such order.', 404);
    const svg = await QRCode.toString(payerPageUrl(deps.config.publicUrl, order), { type: 'svg', margin: 1 });
    return c.body(svg, 200, { 'content-type': 'image/svg+xml' });
  });

  return app;
}
