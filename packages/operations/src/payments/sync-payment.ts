import { newId, PaymuxError } from '@paymux/core';
import { type PaymentRow, withTenant } from '@paymux/db';
import type { PaymentQueryResult } from '@paymux/providers';
import type { OperationContext } from '../context.ts';
import { type ProviderContext, providerForAccount } from '../merchant-accounts/provider-for-account.ts';
import { findPayment } from './find-payment.ts';
import { transitionPayment } from './transition-payment.ts';

/**
 * Applies what the provider says about a payment (from a query) as one guarded
 * transition: succeeded (closed → succeeded is a *late* success), closed or failed.
 * `pending` and `not_found` change nothing. Amounts were already checked by the adapter.
 * Returns the payment as stored afterwards.
 */
export async function applyPaymentQuery(
  ctx: OperationContext,
  payment: PaymentRow,
  result: PaymentQueryResult,
): Promise<PaymentRow> {
  return await withTenant(ctx.db, payment.tenant_id, async (trx) => {
    const current = await findPayment(trx, { tenantId: payment.tenant_id, mode: payment.mode }, payment.id, {
      forUpdate: true,
    });
    let next: PaymentRow | undefined;
    if (
      result.status === 'succeeded' &&
      // Paid at the provider: a late success if it had been closed or failed here.
      current.status !== 'succeeded'
    ) {
      next = await transitionPayment(trx, current, 'succeeded', {
        paid_at: result.paidAt ?? new Date(),
        provider_transaction_id: result.providerTransactionId ?? null,
      });
    } else if (result.status === 'closed' && current.status === 'requires_payment') {
      next = await transitionPayment(trx, current, 'closed', { closed_at: new Date() });
    } else if (result.status === 'failed' && current.status === 'requires_payment') {
      next = await transitionPayment(trx, current, 'failed', {
        failure_code: result.providerStatus,
        failure_message: 'The payer’s payment failed at the provider.',
      });
    }
    return next ?? current;
  });
}

/** Queries the provider about one payment and applies the answer. */
export async function syncPayment({
  ctx,
  input,
}: {
  ctx: OperationContext & ProviderContext;
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<PaymentRow> {
  const { payment, account } = await withTenant(ctx.db, input.tenantId, async (trx) => {
    const payment = await findPayment(trx, input, input.id);
    const account = await trx
      .selectFrom('merchant_accounts')
      .selectAll()
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', payment.merchant_account_id)
      .executeTakeFirst();
    if (!account) throw new PaymuxError('internal_error', `Payment ${payment.id} has no merchant account.`);
    return { payment, account };
  });
  const client = await providerForAccount(ctx, account);
  const result = await client.queryPayment({ outTradeNo: payment.id, expectedAmount: payment.amount });
  // Every answered query goes on the payment's timeline, even one that changes nothing. Its
  // own transaction: the query happened whatever applying it does. Activity ids are internal
  // (never shown), so they borrow a time-ordered id body under an unregistered 'act' prefix.
  await withTenant(ctx.db, payment.tenant_id, (trx) =>
    trx
      .insertInto('payment_activity')
      .values({
        tenant_id: payment.tenant_id,
        id: `act_${newId('req').slice('req_'.length)}`,
        payment_id: payment.id,
        kind: 'query',
        outcome: result.status,
        detail: JSON.stringify({ provider_status: result.providerStatus }),
      })
      .execute(),
  );
  return await applyPaymentQuery(ctx, payment, result);
}
