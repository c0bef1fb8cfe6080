import { withTenant } from '@paymux/db';
import type { OperationContext } from '../context.ts';
import { type AttemptView, type DeliveryView, toAttemptView, toDeliveryView } from './delivery-view.ts';
import { findDelivery } from './find-delivery.ts';

/** A delivery with its attempt log, newest attempt first. */
export async function getDelivery({
  ctx,
  input,
}: {
  ctx: OperationContext;
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<DeliveryView & { readonly attempt_log: AttemptView[] }> {
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    const row = await findDelivery(trx, input, input.id);
    const attempts = await trx
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('tenant_id', '=', input.tenantId)
      .where('delivery_id', '=', input.id)
      .orderBy('number', 'desc')
      .limit(50)
      .execute();
    return { ...toDeliveryView(row), attempt_log: attempts.map(toAttemptView) };
  });
}
