import { withTenant } from '@paymux/db';
import { findPayment, syncPayment } from '@paymux/operations';
import type { JobContext, JobOutcome } from './job-context.ts';
import { parsePaymentJob } from './job-data.ts';

/**
 * `payment.sync`: asks the provider about a payment whose notification may be late and
 * applies the answer (succeeded, closed or failed; pending records nothing). A `closed`
 * payment is asked too: this is how a payment that succeeded at the provider after
 * Paymux closed it is recorded (`succeeded`, `late: true`). Idempotent: every change is
 * compare-and-set, so a re-run or a racing notification applies once.
 */
export async function syncPaymentJob(ctx: JobContext, data: unknown): Promise<JobOutcome> {
  const input = parsePaymentJob(data);
  const before = await withTenant(ctx.db, input.tenantId, (trx) => findPayment(trx, input, input.id));
  if (before.status !== 'requires_payment' && before.status !== 'closed') {
    return { outcome: 'skipped', status: before.status };
  }
  // The provider call happens outside any transaction (inside syncPayment).
  const after = await syncPayment({ ctx, input });
  return {
    outcome: after.status === before.status ? 'unchanged' : 'applied',
    status: after.status,
    late: after.late,
  };
}
