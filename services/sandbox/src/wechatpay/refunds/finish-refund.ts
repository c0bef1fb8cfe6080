import { sql } from 'kysely';
import type { Refund } from '../../db/schema.ts';
import { enqueueNotification } from '../../notifications/enqueue.ts';
import type { ProviderModuleContext } from '../../provider-module.ts';
import { findMerchant } from '../merchants/merchant-store.ts';
import { notificationEnvelope } from '../notifications/notification-envelope.ts';
import { refundNotificationResource } from './refund-view.ts';

export type RefundOutcome = 'success' | 'abnormal' | 'closed';

const EVENTS = {
  success: 'REFUND.SUCCESS',
  abnormal: 'REFUND.ABNORMAL',
  closed: 'REFUND.CLOSED',
} as const;

/**
 * Moves a PROCESSING refund to its outcome, compare-and-set, and queues the REFUND.*
 * notification in the same transaction. A CLOSED refund returns its reserved amount to
 * the order (nothing was refunded, the merchant may try again with a new out_refund_no);
 * an ABNORMAL one keeps it (the money left but did not arrive). Returns undefined when
 * the refund was no longer processing.
 */
export async function finishRefund(
  ctx: ProviderModuleContext,
  refund: Refund,
  outcome: RefundOutcome,
): Promise<Refund | undefined> {
  const { deps } = ctx;
  const merchant = await findMerchant(deps, refund.merchant);
  if (!merchant) throw new Error(`refund ${refund.out_refund_no} names unknown merchant ${refund.merchant}`);
  const now = deps.now();
  const finished = await deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('refunds')
      .set({ status: outcome, succeeded_at: outcome === 'success' ? now : null })
      .where('provider', '=', 'wechatpay')
      .where('merchant', '=', refund.merchant)
      .where('out_refund_no', '=', refund.out_refund_no)
      .where('status', '=', 'processing')
      .returningAll()
      .executeTakeFirst();
    if (!updated) return undefined;
    const orderOf = trx
      .selectFrom('orders')
      .selectAll()
      .where('provider', '=', 'wechatpay')
      .where('merchant', '=', updated.merchant)
      .where('out_trade_no', '=', updated.out_trade_no);
    const order =
      outcome === 'closed'
        ? await trx
            .updateTable('orders')
            .set({ refunded: sql<bigint>`refunded - ${updated.amount}` })
            .where('provider', '=', 'wechatpay')
            .where('merchant', '=', updated.merchant)
            .where('out_trade_no', '=', updated.out_trade_no)
            .returningAll()
            .executeTakeFirstOrThrow()
        : await orderOf.executeTakeFirstOrThrow();
    if (updated.notify_url) {
      await enqueueNotification(trx, {
        provider: 'wechatpay',
        merchant: updated.merchant,
        kind: 'refund',
        ref: updated.out_refund_no,
        url: updated.notify_url,
        contentType: 'application/json',
        body: notificationEnvelope(
          merchant.apiv3_key,
          EVENTS[outcome],
          refundNotificationResource(updated, order),
          now,
        ),
        now,
      });
    }
    return updated;
  });
  if (finished) ctx.kick();
  return finished;
}
