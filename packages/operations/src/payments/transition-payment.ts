import { type PaymentStatus, paymentTransition } from '@paymux/core';
import type { Database, PaymentRow, PaymentsTable } from '@paymux/db';
import { type RawBuilder, sql, type Transaction, type Updateable } from 'kysely';
import { appendEvent } from '../events/append-event.ts';
import { scheduleAutoRefund } from '../jobs/lifecycle-jobs.ts';
import { toPaymentView } from './payment-view.ts';

/**
 * Moves a payment to `to`, compare-and-set on the status the caller read: the state
 * machine must allow it (illegal transitions throw), and a concurrent change makes this
 * a no-op that returns undefined — so duplicates and races never apply twice. The event
 * (`payment.succeeded|closed|failed`) is appended in the same transaction.
 */
export async function transitionPayment(
  trx: Transaction<Database>,
  payment: PaymentRow,
  to: PaymentStatus,
  fields: Omit<Updateable<PaymentsTable>, 'status' | 'tenant_id' | 'id'> = {},
): Promise<PaymentRow | undefined> {
  return await transitionPaymentFrom(
    trx,
    { tenantId: payment.tenant_id, id: payment.id, from: payment.status },
    to,
    fields,
  );
}

/**
 * transitionPayment without reading the payment first: compare-and-set on `from` and on the
 * facts the caller must see confirmed (amount, currency, merchant account) in the UPDATE
 * itself. Undefined when the row does not match them all (the caller then reads it to learn
 * why); the event is appended as by transitionPayment.
 */
export async function transitionPaymentFrom(
  trx: Transaction<Database>,
  target: {
    readonly tenantId: string;
    readonly id: string;
    readonly from: PaymentStatus;
    readonly expect?: {
      readonly amount: bigint;
      readonly currency: string;
      readonly merchantAccountId: string;
    };
  },
  to: PaymentStatus,
  fields: Omit<Updateable<PaymentsTable>, 'status' | 'tenant_id' | 'id'> = {},
  options: {
    /**
     * A statement run in the UPDATE's own statement, reading the changed row from the CTE
     * `updated` (e.g. an INSERT … SELECT … FROM updated): it happens only if the
     * transition did, and costs no round trip of its own.
     */
    readonly alongside?: RawBuilder<unknown>;
  } = {},
): Promise<PaymentRow | undefined> {
  const { late } = paymentTransition(target.from, to);
  let update = trx
    .updateTable('payments')
    .set({ ...fields, status: to, ...(late ? { late: true } : {}), updated_at: sql<Date>`now()` })
    .where('tenant_id', '=', target.tenantId)
    .where('id', '=', target.id)
    .where('status', '=', target.from);
  if (target.expect) {
    update = update
      .where('amount', '=', target.expect.amount)
      .where('currency', '=', target.expect.currency as 'CNY')
      .where('merchant_account_id', '=', target.expect.merchantAccountId);
  }
  const updated = options.alongside
    ? (
        await sql<PaymentRow>`
          with updated as (${update.returningAll()}), alongside as (${options.alongside})
          select * from updated
        `.execute(trx)
      ).rows[0]
    : await update.returningAll().executeTakeFirst();
  if (updated?.late && to === 'succeeded') {
    // Money arrived for a payment the tenant already considered over: refund it at once if
    // the tenant asked for that (committed with the transition, run by the worker).
    const tenant = await trx
      .selectFrom('tenants')
      .select('auto_refund_late_payments')
      .where('id', '=', updated.tenant_id)
      .executeTakeFirst();
    if (tenant?.auto_refund_late_payments) await scheduleAutoRefund(trx, updated);
  }
  if (updated && to !== 'requires_payment') {
    // One event per transition, in the same transaction; a late success says so in its data.
    await appendEvent(trx, {
      tenantId: updated.tenant_id,
      mode: updated.mode,
      type: `payment.${to}`,
      objectId: updated.id,
      data: { ...toPaymentView(updated) },
    });
  }
  return updated;
}
