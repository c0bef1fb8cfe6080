import { withTenant } from '@paymux/db';
import { enqueueJobs, findPayment, nextSyncJob, syncPayment } from '@paymux/operations';
import type { JobContext, JobOutcome } from './job-context.ts';
import { parsePaymentJob } from './job-data.ts';

/**
 * `payment.sync`: asks the provider about a payment whose notification may be late and
 * applies the answer (succeeded, closed or failed; pending records nothing). A `closed`
 * payment is asked too: this is how a payment that succeeded at the provider after
 * Paymux closed it is recorded (`succeeded`, `late: true`). Idempotent: every change is
 * compare-and-set, so a re-run or a racing notification applies once. While the payment can
 * still change, it enqueues the next sync of the schedule its payload carries.
 */
export async function syncPaymentJob(ctx: JobContext, data: unknown): Promise<JobOutcome> {
  const { laterSyncsS, lateCheckS: _, ...input } = parsePaymentJob(data);
  const before = await withTenant(ctx.db, input.tenantId, (trx) => findPayment(trx, input, input.id));
  if (before.status !== 'requires_payment' && before.status !== 'closed') {
    return { outcome: 'skipped', status: before.status };
  }
  // The next sync is enqueued before this one asks the provider, so a provider that keeps
  // failing (and this job's retries running out) does not end the schedule. A retry
  // enqueues the same job id, which is then skipped.
  const next = nextSyncJob(before, laterSyncsS);
  if (next) {
    await withTenant(ctx.db, input.tenantId, (trx) => enqueueJobs(trx, [next], { skipExisting: true }));
  }
  // The provider call happens outside any transaction (inside syncPayment).
  const after = await syncPayment({ ctx, input });
  return {
    outcome: after.status === before.status ? 'unchanged' : 'applied',
    status: after.status,
    late: after.late,
  };
}
