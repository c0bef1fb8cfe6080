import { isPaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { closePayment, enqueueJobs, findPayment, lateCheckJob, syncPayment } from '@paymux/operations';
import type { JobContext, JobOutcome } from './job-context.ts';
import { parsePaymentJob } from './job-data.ts';

/**
 * `payment.expire`, at `expires_at`: query first (a payment made at the last moment is
 * recorded as succeeded, not closed); if the provider has no outcome, close the order at
 * the provider (so the payer can no longer pay), then here. `closePayment` handles a
 * payer paying during the close. A success reported after this (notification, or the late
 * check this job enqueues for a payment that is pending or closed) is recorded as a late
 * success.
 */
export async function expirePaymentJob(ctx: JobContext, data: unknown): Promise<JobOutcome> {
  const { laterSyncsS: _, lateCheckS, ...input } = parsePaymentJob(data);
  const before = await withTenant(ctx.db, input.tenantId, (trx) => findPayment(trx, input, input.id));
  if (lateCheckS !== undefined && (before.status === 'requires_payment' || before.status === 'closed')) {
    // Enqueued first (and once, by its id), so the late check runs even if this job fails.
    const check = lateCheckJob(before, lateCheckS);
    await withTenant(ctx.db, input.tenantId, (trx) => enqueueJobs(trx, [check], { skipExisting: true }));
  }
  if (before.status !== 'requires_payment') return { outcome: 'skipped', status: before.status };

  const synced = await syncPayment({ ctx, input });
  if (synced.status !== 'requires_payment') return { outcome: 'applied', status: synced.status };

  try {
    const closed = await closePayment({ ctx, input });
    return { outcome: 'closed', status: closed.status };
  } catch (error) {
    // Paid during the close: closePayment has already recorded the success.
    if (isPaymuxError(error) && error.code === 'illegal_transition') {
      const now = await withTenant(ctx.db, input.tenantId, (trx) => findPayment(trx, input, input.id));
      return { outcome: 'applied', status: now.status, late: now.late };
    }
    throw error;
  }
}
