import { isId, isPaymuxError, newId } from '@paymux/core';
import { type MerchantAccountRow, type TenantTransaction, withTenant } from '@paymux/db';
import { type Acknowledgement, acknowledgementFor, type CanonicalNotification } from '@paymux/providers';
import { sql } from 'kysely';
import type { OperationContext } from '../context.ts';
import { type ProviderContext, providerForAccount } from '../merchant-accounts/provider-for-account.ts';
import type { RouteCache } from '../merchant-accounts/route-cache.ts';
import { transitionPayment, transitionPaymentInOneTrip } from '../payments/transition-payment.ts';
import { settleRefund } from '../refunds/settle-refund.ts';

export type NotificationOutcome = 'applied' | 'duplicate' | 'rejected' | 'unroutable' | 'retry';

export interface IngestResult {
  readonly outcome: NotificationOutcome;
  readonly reason?: string;
  /** The exact answer to send the provider, only after the transaction has committed. */
  readonly acknowledgement: Acknowledgement;
}

export interface IncomingProviderNotification {
  readonly provider: 'wechatpay' | 'alipay';
  readonly merchantAccountId: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
}

// Headers worth keeping with the raw notification (signature material, not cookies).
const KEPT_HEADERS = [
  'wechatpay-timestamp',
  'wechatpay-nonce',
  'wechatpay-serial',
  'wechatpay-signature',
  'content-type',
];

/**
 * A provider notification, end to end: route it to its merchant account (the reviewed
 * system path), verify it with that account's keys (signature, timestamp, serial, GCM tag,
 * mchid/app id), check it against the stored payment or refund (ids, amount, currency),
 * then in ONE transaction: compare-and-set the status, append the event, and record the
 * raw notification with its outcome. The caller answers the provider only after this
 * returns, i.e. after the commit. Duplicates, reordering and replays change nothing.
 */
export async function ingestNotification({
  ctx,
  input,
}: {
  ctx: OperationContext & ProviderContext & { readonly routeCache?: RouteCache | undefined };
  input: IncomingProviderNotification;
}): Promise<IngestResult> {
  const answer = (outcome: NotificationOutcome, reason?: string): IngestResult => ({
    outcome,
    ...(reason ? { reason } : {}),
    acknowledgement: acknowledgementFor(
      input.provider,
      outcome === 'applied' || outcome === 'duplicate'
        ? 'accepted'
        : outcome === 'retry'
          ? 'retry'
          : 'rejected',
    ),
  });

  if (!isId('mca', input.merchantAccountId)) return answer('unroutable', 'malformed merchant account id');
  const account = await routeToAccount(ctx, input.merchantAccountId);
  if (!account || account.provider !== input.provider || account.deleted_at !== null) {
    return answer('unroutable', 'no such merchant account for this provider');
  }

  let event: CanonicalNotification;
  try {
    const client = await providerForAccount(ctx, account);
    event = await client.parseNotification({ headers: input.headers, rawBody: input.rawBody });
  } catch (error) {
    if (isPaymuxError(error) && error.code === 'notification_rejected') {
      await record(ctx, account, input, { outcome: 'rejected', reason: error.detail });
      return answer('rejected', error.detail);
    }
    throw error;
  }

  if (event.kind === 'payment' && (await applyFirstSuccess(ctx, account, event, input))) {
    return answer('applied');
  }
  return await withTenant(ctx.db, account.tenant_id, async (trx) => {
    const verdict =
      event.kind === 'payment'
        ? await applyPaymentEvent(trx, account, event)
        : await applyRefundEvent(trx, account, event);
    if (verdict.recorded) return answer(verdict.outcome, verdict.reason);
    await insertRecord(trx, account, input, {
      outcome: verdict.outcome,
      reason: verdict.reason,
      providerNotificationId: event.notificationId,
      paymentId: verdict.paymentId,
      refundId: verdict.refundId,
    });
    return answer(verdict.outcome, verdict.reason);
  });
}

/**
 * The account a notification addresses: from the route cache when the process keeps one,
 * else the one cross-tenant read of this path, in one statement (migration 0008).
 */
async function routeToAccount(
  ctx: OperationContext & { readonly routeCache?: RouteCache | undefined },
  accountId: string,
): Promise<MerchantAccountRow | undefined> {
  const cached = ctx.routeCache?.get(accountId);
  if (cached) return cached;
  const generation = ctx.routeCache?.generation ?? 0;
  const routed = await sql<MerchantAccountRow>`
    select * from paymux_route_merchant_account(${accountId})
  `.execute(ctx.db);
  const account = routed.rows[0];
  if (account) ctx.routeCache?.set(accountId, account, generation);
  return account;
}

interface Verdict {
  readonly outcome: 'applied' | 'duplicate' | 'rejected';
  /** The raw notification was already recorded, in the statement that applied it. */
  readonly recorded?: boolean;
  readonly reason?: string;
  readonly paymentId?: string;
  readonly refundId?: string;
}

/**
 * The common case, a first report of a payment still awaiting it, as one statement in a
 * transaction of its own, in one round trip: compare-and-set on the status with the
 * amount, currency and account confirmed in the same UPDATE, and the raw notification
 * recorded as applied by that same statement. False when it did not match (a duplicate, a
 * mismatch, a late payment): nothing was written, and the caller reads the row and decides.
 */
async function applyFirstSuccess(
  ctx: OperationContext,
  account: MerchantAccountRow,
  event: Extract<CanonicalNotification, { kind: 'payment' }>,
  input: IncomingProviderNotification,
): Promise<boolean> {
  if (event.status !== 'succeeded' || !isId('pay', event.outTradeNo)) return false;
  const applied = await transitionPaymentInOneTrip(
    ctx.db,
    {
      tenantId: account.tenant_id,
      id: event.outTradeNo,
      from: 'requires_payment',
      expect: { amount: event.amount, currency: event.currency, merchantAccountId: account.id },
    },
    'succeeded',
    { paid_at: event.paidAt ?? new Date(), provider_transaction_id: event.providerTransactionId },
    {
      alongside: sql`
        insert into provider_notifications (tenant_id, id, mode, merchant_account_id, provider,
          provider_notification_id, payment_id, outcome, headers, body)
        select tenant_id, ${newId('ntf')}, mode, merchant_account_id, provider,
          ${event.notificationId}, id, 'applied', ${JSON.stringify(keptHeaders(input.headers))}::jsonb,
          ${input.rawBody.slice(0, 65_536)}
        from updated
      `,
    },
  );
  return applied !== undefined;
}

async function applyPaymentEvent(
  trx: TenantTransaction,
  account: MerchantAccountRow,
  event: Extract<CanonicalNotification, { kind: 'payment' }>,
): Promise<Verdict> {
  if (!isId('pay', event.outTradeNo))
    return { outcome: 'rejected', reason: 'out_trade_no is not a Paymux payment' };
  const payment = await trx
    .selectFrom('payments')
    .selectAll()
    .where('tenant_id', '=', account.tenant_id)
    .where('id', '=', event.outTradeNo)
    .where('merchant_account_id', '=', account.id)
    .forUpdate()
    .executeTakeFirst();
  if (!payment) return { outcome: 'rejected', reason: 'no such payment on this merchant account' };
  const ids = { paymentId: payment.id };
  if (event.amount !== payment.amount || event.currency !== payment.currency) {
    return {
      outcome: 'rejected',
      reason: `amount ${event.amount} ${event.currency} differs from ${payment.amount} ${payment.currency}`,
      ...ids,
    };
  }
  if (event.status === 'succeeded') {
    if (payment.status === 'succeeded') {
      // The same transaction reported again: nothing to do. Another transaction id for an
      // already paid order would be a provider inconsistency, never applied silently.
      return payment.provider_transaction_id === null ||
        payment.provider_transaction_id === event.providerTransactionId
        ? { outcome: 'duplicate', ...ids }
        : { outcome: 'rejected', reason: 'a different transaction for an already paid payment', ...ids };
    }
    const updated = await transitionPayment(trx, payment, 'succeeded', {
      paid_at: event.paidAt ?? new Date(),
      provider_transaction_id: event.providerTransactionId,
    });
    return updated ? { outcome: 'applied', ...ids } : { outcome: 'duplicate', ...ids };
  }
  if ((event.status === 'closed' || event.status === 'failed') && payment.status === 'requires_payment') {
    const updated = await transitionPayment(
      trx,
      payment,
      event.status,
      event.status === 'closed' ? { closed_at: new Date() } : { failure_code: event.providerStatus },
    );
    return updated ? { outcome: 'applied', ...ids } : { outcome: 'duplicate', ...ids };
  }
  // pending, or a terminal state we already hold: nothing to change.
  return { outcome: 'duplicate', ...ids };
}

async function applyRefundEvent(
  trx: TenantTransaction,
  account: MerchantAccountRow,
  event: Extract<CanonicalNotification, { kind: 'refund' }>,
): Promise<Verdict> {
  if (!isId('rfd', event.outRefundNo))
    return { outcome: 'rejected', reason: 'out_refund_no is not a Paymux refund' };
  const refund = await trx
    .selectFrom('refunds')
    .selectAll()
    .where('tenant_id', '=', account.tenant_id)
    .where('id', '=', event.outRefundNo)
    .where('merchant_account_id', '=', account.id)
    .forUpdate()
    .executeTakeFirst();
  if (!refund || refund.payment_id !== event.outTradeNo) {
    return { outcome: 'rejected', reason: 'no such refund on this merchant account' };
  }
  const ids = { paymentId: refund.payment_id, refundId: refund.id };
  if (event.amount !== refund.amount) {
    return {
      outcome: 'rejected',
      reason: `refund amount ${event.amount} differs from ${refund.amount}`,
      ...ids,
    };
  }
  if (
    refund.status !== 'pending' &&
    event.status !== 'pending' &&
    event.status !== 'not_found' &&
    event.status !== refund.status
  ) {
    // A final outcome here that the provider contradicts: acknowledged (retrying changes
    // nothing) but recorded with the conflict, for the tenant's timeline and reconciliation.
    return {
      outcome: 'duplicate',
      reason: `conflict: ${refund.status} here, ${event.providerStatus} at the provider`,
      ...ids,
    };
  }
  if (refund.status !== 'pending' || event.status === 'pending' || event.status === 'not_found') {
    return { outcome: 'duplicate', ...ids };
  }
  const settled = await settleRefund(trx, refund, event.status, {
    providerRefundId: event.providerRefundId,
    failureCode: event.providerStatus,
    failureMessage: `The provider reports the refund ${event.providerStatus}.`,
    ...(event.succeededAt ? { succeededAt: event.succeededAt } : {}),
  });
  return settled ? { outcome: 'applied', ...ids } : { outcome: 'duplicate', ...ids };
}

function keptHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}

async function insertRecord(
  trx: TenantTransaction,
  account: MerchantAccountRow,
  input: IncomingProviderNotification,
  fields: {
    outcome: 'applied' | 'duplicate' | 'rejected';
    reason?: string | undefined;
    providerNotificationId?: string | undefined;
    paymentId?: string | undefined;
    refundId?: string | undefined;
  },
): Promise<void> {
  await trx
    .insertInto('provider_notifications')
    .values({
      tenant_id: account.tenant_id,
      id: newId('ntf'),
      mode: account.mode,
      merchant_account_id: account.id,
      provider: account.provider,
      provider_notification_id: fields.providerNotificationId ?? null,
      payment_id: fields.paymentId ?? null,
      refund_id: fields.refundId ?? null,
      outcome: fields.outcome,
      reason: fields.reason?.slice(0, 500) ?? null,
      headers: JSON.stringify(keptHeaders(input.headers)),
      // A refused body may be anyone's (another merchant's form, junk): keep only a sample.
      body: fields.outcome === 'rejected' ? input.rawBody.slice(0, 4_096) : input.rawBody.slice(0, 65_536),
    })
    .execute();
}

/** Records a rejected notification in its own transaction (no state change happened). */
async function record(
  ctx: OperationContext,
  account: MerchantAccountRow,
  input: IncomingProviderNotification,
  fields: { outcome: 'rejected'; reason: string },
): Promise<void> {
  await withTenant(ctx.db, account.tenant_id, (trx) => insertRecord(trx, account, input, fields));
}
