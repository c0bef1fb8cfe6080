import { AlipaySdk, type AlipaySdkConfig } from 'alipay-sdk';
import type { SandboxServer } from './sandbox-server.ts';

/** The bundle `POST /_admin/alipay/apps` answers. */
export interface AlipayTestApp {
  readonly app_id: string;
  readonly seller_id: string;
  readonly name: string;
  readonly app_private_key: string;
  readonly app_public_key: string;
  readonly alipay_public_key: string;
}

export async function createAlipayApp(server: SandboxServer, name?: string): Promise<AlipayTestApp> {
  const res = await fetch(`${server.sandboxUrl}/_admin/alipay/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(name ? { name } : {}),
  });
  if (res.status !== 201) throw new Error(`creating an app failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as AlipayTestApp;
}

/** The official SDK, configured as the design says, pointed at the sandbox. */
export function alipaySdk(
  server: SandboxServer,
  app: AlipayTestApp,
  overrides: Partial<AlipaySdkConfig> = {},
): AlipaySdk {
  return new AlipaySdk({
    appId: app.app_id,
    privateKey: app.app_private_key,
    keyType: 'PKCS8',
    alipayPublicKey: app.alipay_public_key,
    gateway: `${server.sandboxUrl}/alipay/gateway.do`,
    endpoint: `${server.sandboxUrl}/alipay`,
    timeout: 10_000,
    ...overrides,
  });
}

/** POSTs an admin JSON body. */
export async function admin(server: SandboxServer, path: string, body?: unknown): Promise<Response> {
  return await fetch(`${server.sandboxUrl}/_admin${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
}

const decodeEntities = (s: string) =>
  s
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');

/** The action and hidden fields of the auto-submitting form `pageExec(…, 'POST', …)` returns. */
export function parseAutoSubmitForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error('no form in the pageExec HTML');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)) {
    fields[m[1] as string] = decodeEntities(m[2] as string);
  }
  return { action, fields };
}

/** Opens the payer page (the "scan" / cashier login) and returns its HTML. */
export async function openPayerPage(payerUrl: string): Promise<string> {
  const res = await fetch(payerUrl);
  if (res.status !== 200) throw new Error(`payer page answered ${res.status}`);
  return await res.text();
}

/**
 * Presses a button of the payer page as a browser would (POSTing its form) and returns
 * the redirect, unfollowed: a return_url for page/wap pay, the page itself otherwise.
 */
export async function pressPayerButton(
  pageHtml: string,
  button: 'pay' | 'fail',
): Promise<{ status: number; location: string }> {
  const action = new RegExp(`<form method="post" action="([^"]+/${button})"`).exec(pageHtml)?.[1];
  if (!action) throw new Error(`no ${button} button on the payer page`);
  const res = await fetch(decodeEntities(action), { method: 'POST', redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location') ?? '' };
}

/** Opens the payer page and pays. */
export async function payAtPayerPage(payerUrl: string): Promise<{ status: number; location: string }> {
  return await pressPayerButton(await openPayerPage(payerUrl), 'pay');
}

/** The parameters of a URL's query, decoded. */
export function queryOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

/** A unique out_trade_no per call. */
export function outTradeNo(prefix = 'T'): string {
  return `${prefix}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
}

/** Polls until `check` returns a value (not undefined), or throws after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The notification forms a receiver got for one trade, decoded as a merchant's body parser would. */
export function notificationsFor(
  received: ReadonlyArray<{ body: string }>,
  outTradeNo: string,
): Record<string, string>[] {
  return received
    .map((r) => Object.fromEntries(new URLSearchParams(r.body)))
    .filter((fields) => fields.out_trade_no === outTradeNo);
}
