import { type EventType, newId, type PaymentStatus, paymentTransition } from '@paymux/core';
import { type Database, inTenantOneTrip, type PaymentRow, type PaymentsTable } from '@paymux/db';
import { type Kysely, type RawBuilder, sql, type Transaction, type Updateable } from 'kysely';
import { eventCtes } from '../events/append-event.ts';
import { scheduleAutoRefund } from '../jobs/lifecycle-jobs.ts';

/**
 * Moves a payment to `to`, compare-and-set on the status the caller read: the state
 * machine must allow it (illegal transitions throw), and a concurrent change makes this
 * a no-op that returns undefined — so duplicates and races never apply twice. The event
 * (`payment.succeeded|closed|failed`) and its webhook deliveries are appended by the same
 * statement.
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
  const updated = rowOf(
    (await transitionStatement(trx, target, to, fields, options.alongside).execute(trx)).rows,
  );
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
  return updated;
}

/**
 * `transitionPaymentFrom` as a whole transaction of its own, in one round trip
 * (`inTenantOneTrip`): for a transition that is exactly its statement, i.e. never a late
 * success (which also reads the tenant's auto-refund setting). Undefined when the
 * compare-and-set did not match; then nothing was written.
 */
export async function transitionPaymentInOneTrip(
  db: Kysely<Database>,
  target: TransitionTarget,
  to: PaymentStatus,
  fields: Omit<Updateable<PaymentsTable>, 'status' | 'tenant_id' | 'id'> = {},
  options: { readonly alongside?: RawBuilder<unknown> } = {},
): Promise<PaymentRow | undefined> {
  if (paymentTransition(target.from, to).late) {
    throw new Error('transitionPaymentInOneTrip: a late success needs transitionPaymentFrom');
  }
  return rowOf(
    await inTenantOneTrip(
      db,
      target.tenantId,
      transitionStatement(db, target, to, fields, options.alongside),
    ),
  );
}

type TransitionTarget = Parameters<typeof transitionPaymentFrom>[1];

/**
 * The UPDATE, the event of the transition (its data the payment as the API shows it, built
 * by paymux_payment_view from the updated row: migration 0010, kept equal to toPaymentView
 * by the payment-view parity test) with its webhook deliveries, and `alongside`, in ONE
 * statement: one event per transition, appended only if the compare-and-set matched.
 * `db` only builds it (a transaction or the pool).
 */
function transitionStatement(
  db: Kysely<Database>,
  target: TransitionTarget,
  to: PaymentStatus,
  fields: Omit<Updateable<PaymentsTable>, 'status' | 'tenant_id' | 'id'>,
  alongside: RawBuilder<unknown> | undefined,
): RawBuilder<PaymentRow & { woken: unknown }> {
  const { late } = paymentTransition(target.from, to);
  let update = db
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
  // paymentTransition refused anything but succeeded, closed and failed as a target.
  const type = `payment.${to}` as EventType;
  return sql<PaymentRow & { woken: unknown }>`
    with updated as (${update.returningAll()}),
    ${eventCtes(sql`
      select tenant_id, ${newId('evt')}::text, mode, ${type}::text, id, paymux_payment_view(updated) from updated
    `)}
    ${alongside ? sql`, alongside as (${alongside})` : sql``}
    select updated.*, (select count(*) from wake) as woken from updated
  `;
}

function rowOf(rows: ReadonlyArray<PaymentRow & { woken: unknown }>): PaymentRow | undefined {
  const row = rows[0];
  if (!row) return undefined;
  const { woken: _woken, ...payment } = row;
  return payment;
}
