import { refundTransition } from '@paymux/core';
import type { Database, RefundRow } from '@paymux/db';
import { sql, type Transaction } from 'kysely';
import { appendEvent } from '../events/append-event.ts';
import { toRefundView } from './refund-view.ts';

/**
 * Moves a pending refund to succeeded or failed, compare-and-set. A failed refund gives
 * its reserved amount back to the payment's refundable remainder, in the same transaction.
 * Returns undefined when the refund had already left `pending` (duplicates change nothing).
 */
export async function settleRefund(
  trx: Transaction<Database>,
  refund: RefundRow,
  to: 'succeeded' | 'failed',
  fields: {
    providerRefundId?: string | undefined;
    failureCode?: string;
    failureMessage?: string;
    succeededAt?: Date;
  } = {},
): Promise<RefundRow | undefined> {
  refundTransition(refund.status, to);
  const updated = await trx
    .updateTable('refunds')
    .set({
      status: to,
      ...(fields.providerRefundId ? { provider_refund_id: fields.providerRefundId } : {}),
      ...(to === 'succeeded' ? { succeeded_at: fields.succeededAt ?? new Date() } : {}),
      ...(to === 'failed'
        ? { failure_code: fields.failureCode ?? null, failure_message: fields.failureMessage ?? null }
        : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('tenant_id', '=', refund.tenant_id)
    .where('id', '=', refund.id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  if (updated) {
    await appendEvent(trx, {
      tenantId: updated.tenant_id,
      mode: updated.mode,
      type: `refund.${to}`,
      objectId: updated.id,
      data: { ...toRefundView(updated) },
    });
  }
  if (updated && to === 'failed') {
    await trx
      .updateTable('payments')
      .set({ amount_refunded: sql<bigint>`amount_refunded - ${refund.amount}`, updated_at: sql<Date>`now()` })
      .where('tenant_id', '=', refund.tenant_id)
      .where('id', '=', refund.payment_id)
      .execute();
  }
  return updated;
}
