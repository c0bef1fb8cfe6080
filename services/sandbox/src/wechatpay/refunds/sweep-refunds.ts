import type { ProviderModuleContext } from '../../provider-module.ts';
import { finishRefund } from './finish-refund.ts';

/** A balance refund completes in seconds at WeChat; the sandbox takes 3 s, divided by the time factor. */
export const REFUND_PROCESSING_MS = 3_000;
const BATCH = 50;

/**
 * Runs on every dispatcher pass: PROCESSING refunds older than the processing delay
 * succeed (compare-and-set, so an admin's abnormal/close or another dispatcher wins cleanly).
 */
export async function sweepRefunds(ctx: ProviderModuleContext): Promise<void> {
  const { deps } = ctx;
  const dueBefore = new Date(deps.now().getTime() - REFUND_PROCESSING_MS / deps.config.timeFactor);
  const due = await deps.db
    .selectFrom('refunds')
    .selectAll()
    .where('provider', '=', 'wechatpay')
    .where('status', '=', 'processing')
    .where('created_at', '<=', dueBefore)
    .orderBy('created_at')
    .limit(BATCH)
    .execute();
  for (const refund of due) await finishRefund(ctx, refund, 'success');
}
