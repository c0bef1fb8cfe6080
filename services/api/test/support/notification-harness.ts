// Shared pieces of the notification tests: payments created over HTTP, the payer paying at
// the sandbox, the sandbox's notification log (bodies and every delivery attempt), genuine
// deliveries re-rendered by the sandbox's own notification policy (WeChat Pay signs every
// attempt afresh), and what Paymux recorded (payment rows, events, provider_notifications).
import { randomUUID } from 'node:crypto';
import { alipayNotificationPolicy } from '../../../sandbox/src/alipay/notifications/notification-policy.ts';
import type { Notification } from '../../../sandbox/src/db/schema.ts';
import { wechatpayNotificationPolicy } from '../../../sandbox/src/wechatpay/notifications/notification-policy.ts';
import { mintToken, type TestKey } from './fixtures.ts';
import type { SandboxedApi } from './sandbox-app.ts';

export type Provider = 'wechatpay' | 'alipay';

export const PROVIDERS: readonly Provider[] = ['wechatpay', 'alipay'];
export const CHANNEL: Record<Provider, string> = { wechatpay: 'wechat.native', alipay: 'alipay.qr' };

/** What the test needs of a tenant: its test key and its sandbox accounts (Paymux id + mchid/app_id). */
export interface Shop {
  readonly tenantId: string;
  readonly key: TestKey;
  readonly accounts: Record<Provider, { id: string; merchant: string }>;
}

/** The parts of a running API + sandbox the helpers use (SandboxedApi, or a child-process API). */
export interface Stack {
  readonly apiOrigin: string;
  readonly server: SandboxedApi['server'];
}

export async function apiRequest(
  stack: Stack,
  shop: Shop,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Response> {
  return await fetch(`${stack.apiOrigin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await mintToken(shop.key)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function json<T>(res: Response, expected: number, what: string): Promise<T> {
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${what}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** POST /v1/payments over HTTP: a QR payment at the provider, awaiting payment. */
export async function createPayment(
  stack: Stack,
  shop: Shop,
  provider: Provider,
  amount = 2500,
): Promise<{ id: string; amount: number; status: string }> {
  const res = await apiRequest(stack, shop, 'POST', '/v1/payments', {
    amount,
    currency: 'CNY',
    channel: CHANNEL[provider],
    description: 'notification test',
    merchant_order_id: `nt-${randomUUID().slice(0, 18)}`,
  });
  return await json(res, 201, 'create payment');
}

/** POST /v1/refunds over HTTP. */
export async function createRefund(
  stack: Stack,
  shop: Shop,
  paymentId: string,
  amount?: number,
): Promise<{ id: string; status: string; amount: number }> {
  const res = await apiRequest(stack, shop, 'POST', '/v1/refunds', {
    payment: paymentId,
    ...(amount === undefined ? {} : { amount }),
  });
  return await json(res, 201, 'create refund');
}

/** `…/_admin/wechatpay/merchants/{mchid}` or `…/_admin/alipay/apps/{app_id}`. */
export function adminBase(stack: Stack, shop: Shop, provider: Provider): string {
  const merchant = shop.accounts[provider].merchant;
  return provider === 'wechatpay'
    ? `${stack.server.sandboxUrl}/_admin/wechatpay/merchants/${merchant}`
    : `${stack.server.sandboxUrl}/_admin/alipay/apps/${merchant}`;
}

export async function admin<T = Record<string, unknown>>(
  url: string,
  body?: unknown,
  expected?: number,
): Promise<T> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (expected !== undefined ? res.status !== expected : res.status >= 300) {
    throw new Error(`sandbox admin ${url}: HTTP ${res.status} ${text}`);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

/** The payer pays the order at the provider; the sandbox then notifies Paymux. */
export async function payAtProvider(stack: Stack, shop: Shop, provider: Provider, paymentId: string) {
  await admin(`${adminBase(stack, shop, provider)}/orders/${paymentId}/pay`, {});
}

/** Holds back (or releases) every notification of an order at the sandbox. */
export async function withholdOrderNotifications(
  stack: Stack,
  shop: Shop,
  provider: Provider,
  paymentId: string,
  withhold: boolean,
) {
  await admin(`${adminBase(stack, shop, provider)}/orders/${paymentId}/withhold_notifications`, { withhold });
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly status_code: number | null;
  readonly response_body: string | null;
  readonly error: string | null;
  readonly acknowledged: boolean;
}

export interface SandboxNotification {
  readonly id: string;
  readonly kind: string;
  readonly ref: string;
  readonly status: 'pending' | 'delivered' | 'exhausted' | 'withheld';
  readonly body: string;
  readonly signtest: boolean;
  readonly attempt_log: AttemptRecord[];
}

/** The sandbox's log of an order's (or a WeChat refund's) notifications, each with every attempt. */
export async function sandboxNotifications(
  stack: Stack,
  shop: Shop,
  provider: Provider,
  ref: string,
): Promise<SandboxNotification[]> {
  const { data } = await admin<{ data: SandboxNotification[] }>(
    `${adminBase(stack, shop, provider)}/orders/${ref}/notifications`,
  );
  return data;
}

export async function notificationAction(
  stack: Stack,
  id: string,
  action: 'resend' | 'duplicate' | 'delay' | 'withhold' | 'release',
  body: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  return await admin(`${stack.server.sandboxUrl}/_admin/notifications/${id}/${action}`, body);
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the sandbox has `count` notifications for `ref` matching `ready`, and returns them all. */
export async function waitForNotifications(
  stack: Stack,
  shop: Shop,
  provider: Provider,
  ref: string,
  ready: (n: SandboxNotification) => boolean,
  count = 1,
): Promise<SandboxNotification[]> {
  return await eventually(`${count} ${provider} notification(s) of ${ref}`, async () => {
    const all = await sandboxNotifications(stack, shop, provider, ref);
    return all.filter(ready).length >= count ? all : undefined;
  });
}

export const delivered = (n: SandboxNotification) => n.status === 'delivered';

/** The acknowledgement each provider requires, as the sandbox recorded it. */
export function acknowledgedAsRequired(provider: Provider, attempt: AttemptRecord | undefined): boolean {
  if (!attempt?.acknowledged) return false;
  return provider === 'wechatpay'
    ? attempt.status_code === 204 && (attempt.response_body ?? '') === ''
    : attempt.status_code === 200 && attempt.response_body === 'success';
}

/** The provider's failure answer: WeChat Pay 4xx with {code: FAIL}; Alipay anything but `success`. */
export async function expectProviderFailureAnswer(provider: Provider, res: Response): Promise<string> {
  const text = await res.text();
  if (provider === 'wechatpay') {
    if (res.status < 400 || res.status >= 500) throw new Error(`expected a 4xx, got ${res.status} ${text}`);
    const body = JSON.parse(text) as { code?: string };
    if (body.code !== 'FAIL') throw new Error(`expected {code: FAIL}, got ${text}`);
  } else if (res.status >= 200 && res.status < 300 && text === 'success') {
    throw new Error('expected a failure answer, got success');
  }
  return text;
}

/** One delivery as the wire carries it: the body and the provider's headers. */
export interface Delivery {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * A stored sandbox notification rendered exactly as the sandbox's dispatcher renders an
 * attempt (its own policy: WeChat Pay signs `timestamp\nnonce\nbody\n` afresh with the
 * merchant's key; Alipay posts the same signed form), without sending it.
 */
export async function genuineDelivery(stack: Stack, notificationId: string): Promise<Delivery> {
  const row = (await stack.server.deps.db
    .selectFrom('notifications')
    .selectAll()
    .where('id', '=', notificationId)
    .executeTakeFirstOrThrow()) as Notification;
  const policy = row.provider === 'wechatpay' ? wechatpayNotificationPolicy : alipayNotificationPolicy;
  const { headers, body } = await policy.render(row, stack.server.deps);
  return { headers: lowerCased({ 'content-type': row.content_type, ...headers }), body };
}

/** Header names lower-cased, so a test can replace one without sending it twice. */
export function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** POSTs a delivery to Paymux's notify URL for a merchant account, over HTTP. */
export async function postNotify(
  stack: Stack,
  provider: Provider,
  merchantAccountId: string,
  delivery: Delivery,
): Promise<Response> {
  return await fetch(`${stack.apiOrigin}/notify/${provider}/${merchantAccountId}`, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
}

/** Paymux's own records, read past row-level security with the owner connection. */
export async function paymentRow(stack: Stack, id: string) {
  return await stack.server.tdb.owner
    .selectFrom('payments')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

export async function refundRow(stack: Stack, id: string) {
  return await stack.server.tdb.owner
    .selectFrom('refunds')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** Event types for an object, oldest first. */
export async function eventTypes(stack: Stack, objectId: string): Promise<string[]> {
  const rows = await stack.server.tdb.owner
    .selectFrom('events')
    .select(['type'])
    .where('object_id', '=', objectId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r: { type: string }) => r.type);
}

export interface NotificationRecord {
  readonly id: string;
  readonly tenant_id: string;
  readonly merchant_account_id: string;
  readonly outcome: 'applied' | 'duplicate' | 'rejected';
  readonly reason: string | null;
  readonly provider_notification_id: string | null;
  readonly payment_id: string | null;
  readonly refund_id: string | null;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** provider_notifications rows matching a column, oldest first. */
export async function notificationRecords(
  stack: Stack,
  where: { paymentId?: string; refundId?: string; merchantAccountId?: string },
): Promise<NotificationRecord[]> {
  let q = stack.server.tdb.owner.selectFrom('provider_notifications').selectAll();
  if (where.paymentId) q = q.where('payment_id', '=', where.paymentId);
  if (where.refundId) q = q.where('refund_id', '=', where.refundId);
  if (where.merchantAccountId) q = q.where('merchant_account_id', '=', where.merchantAccountId);
  return (await q.orderBy('received_at').orderBy('id').execute()) as NotificationRecord[];
}

/** Counts outcomes: `{ applied: 1, duplicate: 5 }`. */
export function outcomes(records: readonly NotificationRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.outcome] = (out[r.outcome] ?? 0) + 1;
  return out;
}
