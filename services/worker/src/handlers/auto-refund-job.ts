import { isPaymuxError } from '@paymux/core';
import { createRefund } from '@paymux/operations';
import type { JobContext, JobOutcome } from './job-context.ts';
import { parsePaymentJob } from './job-data.ts';

/**
 * `payment.auto_refund`: the tenant asked for late payments to be refunded. Refunds the
 * whole remainder; the refund id the tenant sees is derived from the payment
 * (`merchant_refund_id: late-<payment id>`), so a re-run finds the first refund instead
 * of making a second one.
 */
export async function autoRefundJob(ctx: JobContext, data: unknown): Promise<JobOutcome> {
  const input = parsePaymentJob(data);
  try {
    const refund = await createRefund({
      ctx: { ...ctx, publicUrl: ctx.publicUrl },
      input: {
        tenantId: input.tenantId,
        mode: input.mode,
        payment: input.id,
        reason: 'Automatic refund: paid after the payment had ended',
        merchant_refund_id: `late-${input.id}`,
      },
    });
    return { outcome: 'applied', status: refund.status };
  } catch (error) {
    // Already refunded by this job (the derived id is taken), or nothing left to refund.
    if (isPaymuxError(error) && (error.code === 'conflict' || error.code === 'validation_failed')) {
      return { outcome: 'skipped', code: error.code };
    }
    throw error;
  }
}
