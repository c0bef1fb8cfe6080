import { isPaymuxError, PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import type { OperationContext } from '../context.ts';
import { type ProviderContext, providerForAccount } from '../merchant-accounts/provider-for-account.ts';
import { findPayment } from './find-payment.ts';
import { type PaymentView, toPaymentView } from './payment-view.ts';
import { syncPayment } from './sync-payment.ts';
import { transitionPayment } from './transition-payment.ts';

/**
 * Closes an unpaid payment: first at the provider (so the payer can no longer pay),
 * then here. If the provider refuses because the payer has just paid, the payment is
 * synced to `succeeded` and the close is refused with 409.
 */
export async function closePayment({
  ctx,
  input,
}: {
  ctx: OperationContext & ProviderContext;
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<PaymentView> {
  const { payment, account } = await withTenant(ctx.db, input.tenantId, async (trx) => {
    const payment = await findPayment(trx, input, input.id);
    const account = await trx
      .selectFrom('merchant_accounts')
      .selectAll()
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', payment.merchant_account_id)
      .executeTakeFirstOrThrow();
    return { payment, account };
  });
  if (payment.status === 'closed') return toPaymentView(payment);
  if (payment.status !== 'requires_payment') {
    throw new PaymuxError('illegal_transition', `A ${payment.status} payment cannot be closed.`);
  }
  const client = await providerForAccount(ctx, account);
  try {
    await client.closePayment({ outTradeNo: payment.id });
  } catch (error) {
    if (isPaymuxError(error) && error.code === 'provider_error') {
      // Most likely paid meanwhile (ORDERPAID / ACQ.TRADE_STATUS_ERROR): ask and apply.
      const synced = await syncPayment({ ctx, input });
      if (synced.status === 'succeeded') {
        throw new PaymuxError('illegal_transition', 'The payment succeeded before it could be closed.');
      }
    }
    throw error;
  }
  const row = await withTenant(ctx.db, input.tenantId, async (trx) => {
    const current = await findPayment(trx, input, input.id, { forUpdate: true });
    if (current.status !== 'requires_payment') return current;
    return (await transitionPayment(trx, current, 'closed', { closed_at: new Date() })) ?? current;
  });
  return toPaymentView(row);
}
