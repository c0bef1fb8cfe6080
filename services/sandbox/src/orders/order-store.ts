import { createHash, randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Order, SandboxDatabase, SandboxProvider } from '../db/schema.ts';
import type { SandboxDeps } from '../deps.ts';

/** Canonical hash of the business parameters that must match on an idempotent re-create. */
export function requestHash(params: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(params)
      .sort()
      .map((k) => [k, params[k] ?? null]),
  );
  return createHash('sha256').update(canonical).digest('hex');
}

/** An opaque, URL-safe token for the payer page. */
export function newPayToken(): string {
  return randomBytes(18).toString('base64url');
}

export type CreateOrderResult =
  | { readonly kind: 'created'; readonly order: Order }
  | { readonly kind: 'existing'; readonly order: Order }
  | { readonly kind: 'conflict'; readonly order: Order };

export interface NewOrder {
  readonly provider: SandboxProvider;
  readonly merchant: string;
  readonly outTradeNo: string;
  readonly tradeNo: string;
  readonly tradeType: string;
  readonly amount: bigint;
  readonly description: string;
  readonly notifyUrl: string | null;
  readonly returnUrl: string | null;
  readonly attach: string | null;
  readonly payer: string | null;
  readonly timeExpire: Date;
  readonly requestHash: string;
  readonly scanned?: boolean;
  readonly extra?: Record<string, unknown>;
}

/**
 * Creates an order, or finds the existing one with the same out_trade_no: the same
 * parameters are idempotent ('existing'), different ones a 'conflict', as at the providers.
 */
export async function createOrder(deps: SandboxDeps, input: NewOrder): Promise<CreateOrderResult> {
  const inserted = await deps.db
    .insertInto('orders')
    .values({
      provider: input.provider,
      merchant: input.merchant,
      out_trade_no: input.outTradeNo,
      trade_no: input.tradeNo,
      trade_type: input.tradeType,
      amount: input.amount,
      description: input.description,
      notify_url: input.notifyUrl,
      return_url: input.returnUrl,
      attach: input.attach,
      payer: input.payer,
      request_hash: input.requestHash,
      pay_token: newPayToken(),
      time_expire: input.timeExpire,
      scanned: input.scanned ?? true,
      extra: JSON.stringify(input.extra ?? {}),
      created_at: deps.now(),
    })
    .onConflict((oc) => oc.columns(['provider', 'merchant', 'out_trade_no']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { kind: 'created', order: inserted };
  const existing = await findOrder(deps, input.provider, input.merchant, input.outTradeNo);
  if (!existing) throw new Error('order vanished after a conflicting insert');
  return { kind: existing.request_hash === input.requestHash ? 'existing' : 'conflict', order: existing };
}

export async function findOrder(
  deps: SandboxDeps,
  provider: SandboxProvider,
  merchant: string,
  outTradeNo: string,
): Promise<Order | undefined> {
  return await deps.db
    .selectFrom('orders')
    .selectAll()
    .where('provider', '=', provider)
    .where('merchant', '=', merchant)
    .where('out_trade_no', '=', outTradeNo)
    .executeTakeFirst();
}

export async function findOrderByTradeNo(
  deps: SandboxDeps,
  provider: SandboxProvider,
  merchant: string,
  tradeNo: string,
): Promise<Order | undefined> {
  return await deps.db
    .selectFrom('orders')
    .selectAll()
    .where('provider', '=', provider)
    .where('merchant', '=', merchant)
    .where('trade_no', '=', tradeNo)
    .executeTakeFirst();
}

export async function findOrderByPayToken(deps: SandboxDeps, token: string): Promise<Order | undefined> {
  return await deps.db.selectFrom('orders').selectAll().where('pay_token', '=', token).executeTakeFirst();
}

/**
 * The order as the provider sees it now: a pending order past `time_expire` is closed
 * (both providers close unpaid orders at expiry). Persists the close, compare-and-set.
 */
export async function refreshExpiry(deps: SandboxDeps, order: Order): Promise<Order> {
  if (order.status !== 'pending' || order.time_expire.getTime() > deps.now().getTime()) return order;
  const closed = await deps.db
    .updateTable('orders')
    .set({ status: 'closed', closed_at: order.time_expire })
    .where('provider', '=', order.provider)
    .where('merchant', '=', order.merchant)
    .where('out_trade_no', '=', order.out_trade_no)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  return closed ?? (await findOrder(deps, order.provider, order.merchant, order.out_trade_no)) ?? order;
}

export type SettleOutcome = 'pay' | 'fail';

/**
 * Moves a pending order to paid or failed, compare-and-set, inside `trx` (so the
 * notification is enqueued in the same transaction). Returns undefined when the order was
 * not pending (already paid, closed, failed, or expired).
 */
export async function settleOrder(
  trx: Transaction<SandboxDatabase>,
  order: Order,
  outcome: SettleOutcome,
  now: Date,
): Promise<Order | undefined> {
  if (order.time_expire.getTime() <= now.getTime()) return undefined;
  return await trx
    .updateTable('orders')
    .set(
      outcome === 'pay'
        ? { status: 'paid', paid_at: now, scanned: true }
        : { status: 'failed', scanned: true },
    )
    .where('provider', '=', order.provider)
    .where('merchant', '=', order.merchant)
    .where('out_trade_no', '=', order.out_trade_no)
    .where('status', '=', 'pending')
    .where('time_expire', '>', now)
    .returningAll()
    .executeTakeFirst();
}

/** Closes a pending order (merchant close API); returns undefined if it was not pending. */
export async function closeOrder(deps: SandboxDeps, order: Order): Promise<Order | undefined> {
  return await deps.db
    .updateTable('orders')
    .set({ status: 'closed', closed_at: deps.now() })
    .where('provider', '=', order.provider)
    .where('merchant', '=', order.merchant)
    .where('out_trade_no', '=', order.out_trade_no)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** Marks a precreated Alipay order as scanned: from now on Alipay knows it (WAIT_BUYER_PAY). */
export async function markScanned(deps: SandboxDeps, order: Order): Promise<void> {
  if (order.scanned) return;
  await deps.db
    .updateTable('orders')
    .set({ scanned: true })
    .where('provider', '=', order.provider)
    .where('merchant', '=', order.merchant)
    .where('out_trade_no', '=', order.out_trade_no)
    .execute();
}

/**
 * Reserves `amount` of the order's paid total for a refund under a row lock: refunds
 * can never exceed what was paid. Returns false when the remainder is too small.
 */
export async function reserveRefund(
  trx: Transaction<SandboxDatabase>,
  order: Order,
  amount: bigint,
): Promise<boolean> {
  const updated = await trx
    .updateTable('orders')
    .set({ refunded: sql<bigint>`refunded + ${amount}` })
    .where('provider', '=', order.provider)
    .where('merchant', '=', order.merchant)
    .where('out_trade_no', '=', order.out_trade_no)
    .where('status', '=', 'paid')
    .where(sql<boolean>`refunded + ${amount} <= amount`)
    .executeTakeFirst();
  return updated.numUpdatedRows === 1n;
}
