import { PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import {
  enqueueJobs,
  findPayment,
  findRefund,
  nextRefundSyncJob,
  providerForAccount,
  settleRefund,
} from '@paymux/operations';
import type { JobContext, JobOutcome } from './job-context.ts';
import { parseRefundJob } from './job-data.ts';

/**
 * `refund.sync`: asks the provider about a pending refund (WeChat Pay refunds settle
 * asynchronously; a notification may be late or lost) and settles it succeeded or
 * failed, compare-and-set with its event. Still pending: the next scheduled sync asks
 * again (this one enqueues it, before asking, as `payment.sync` does); after the last one the
 * refund stays pending and is logged for an operator.
 */
export async function syncRefundJob(ctx: JobContext, data: unknown): Promise<JobOutcome> {
  const { laterSyncsS, final, ...input } = parseRefundJob(data);
  const loaded = await withTenant(ctx.db, input.tenantId, async (trx) => {
    const refund = await findRefund(trx, input, input.id);
    if (refund.status !== 'pending') return { refund };
    // Enqueued before the provider is asked, so a provider that keeps failing does not end
    // the schedule; a retry of this job enqueues the same id, which is then skipped.
    const next = nextRefundSyncJob(refund, laterSyncsS);
    if (next) await enqueueJobs(trx, [next], { skipExisting: true });
    const payment = await findPayment(trx, input, refund.payment_id);
    const account = await trx
      .selectFrom('merchant_accounts')
      .selectAll()
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', refund.merchant_account_id)
      .executeTakeFirst();
    if (!account) throw new PaymuxError('internal_error', `Refund ${refund.id} has no merchant account.`);
    return { refund, payment, account };
  });
  if (!loaded.payment || !loaded.account) return { outcome: 'skipped', status: loaded.refund.status };
  const { refund, payment, account } = loaded;

  // Outside any transaction.
  const client = await providerForAccount(ctx, account);
  const result = await client.queryRefund({
    outTradeNo: payment.id,
    outRefundNo: refund.id,
    expectedAmount: refund.amount,
  });

  const after = await withTenant(ctx.db, input.tenantId, async (trx) => {
    const current = await findRefund(trx, input, input.id, { forUpdate: true });
    if (current.status !== 'pending') return current;
    if (result.status === 'succeeded') {
      return (
        (await settleRefund(trx, current, 'succeeded', {
          providerRefundId: result.providerRefundId,
          ...(result.succeededAt ? { succeededAt: result.succeededAt } : {}),
        })) ?? current
      );
    }
    if (result.status === 'failed') {
      return (
        (await settleRefund(trx, current, 'failed', {
          providerRefundId: result.providerRefundId,
          failureCode: result.providerStatus,
          failureMessage: `The provider reports the refund ${result.providerStatus}.`,
        })) ?? current
      );
    }
    return current;
  });

  if (after.status === 'pending' && final) {
    ctx.logger.warn(
      { tenant_id: input.tenantId, refund_id: refund.id, provider_status: result.providerStatus },
      'refund still pending after its last scheduled sync; left pending',
    );
  }
  return {
    outcome: after.status === refund.status ? 'unchanged' : 'applied',
    status: after.status,
  };
}
