import { PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import type { OperationContext } from '../context.ts';
import type { ProviderContext } from '../merchant-accounts/provider-for-account.ts';
import type { SandboxAdminClient } from '../tenants/sandbox-provisioner.ts';
import { findPayment } from './find-payment.ts';
import { type PaymentView, toPaymentView } from './payment-view.ts';
import { syncPayment } from './sync-payment.ts';

/**
 * Test mode only: the payer pays (or fails) a test payment at the sandbox, through its
 * admin API; then the payment is synced from the sandbox as from a real provider.
 * (Alipay has no failed state: a failed payer leaves the trade waiting until it expires.)
 */
export async function simulatePayer({
  ctx,
  input,
}: {
  ctx: OperationContext & ProviderContext & { sandbox: SandboxAdminClient };
  input: { tenantId: string; mode: 'test' | 'live'; id: string; outcome: 'pay' | 'fail' };
}): Promise<PaymentView> {
  if (input.mode !== 'test') throw new PaymuxError('not_found', `No such payment: ${input.id}`);
  const { payment, merchant } = await withTenant(ctx.db, input.tenantId, async (trx) => {
    const payment = await findPayment(trx, input, input.id);
    const account = await trx
      .selectFrom('merchant_accounts')
      .select(['identifiers', 'provider'])
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', payment.merchant_account_id)
      .executeTakeFirstOrThrow();
    const merchant =
      account.provider === 'wechatpay' ? account.identifiers.mchid : account.identifiers.app_id;
    return { payment, merchant: String(merchant) };
  });
  if (payment.status !== 'requires_payment') {
    throw new PaymuxError(
      'illegal_transition',
      `The payment is ${payment.status}; only a payment awaiting payment can be paid.`,
    );
  }
  // Alipay page/wap/app trades exist at the provider only once the payer opens them.
  if (payment.next_action && ['alipay.page', 'alipay.wap', 'alipay.app'].includes(payment.channel)) {
    await ctx.sandbox.openPayerFlow(payment.next_action);
  }
  await ctx.sandbox.settleOrder(payment.provider, merchant, payment.id, input.outcome);
  return toPaymentView(await syncPayment({ ctx, input }));
}
