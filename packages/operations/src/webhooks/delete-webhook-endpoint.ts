import { withTenant } from '@paymux/db';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { findWebhookEndpoint } from './find-webhook-endpoint.ts';

/**
 * Deletes an endpoint with its sealed secrets, its deliveries and their attempt log. The
 * events stay in the event log. Deliveries being sent right now finish, and their results
 * are dropped (the dispatcher finds no row to record them on).
 */
export async function deleteWebhookEndpoint({
  ctx,
  input,
}: {
  ctx: OperationContext;
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<{ id: string; object: 'webhook_endpoint'; deleted: true }> {
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    const row = await findWebhookEndpoint(trx, input, input.id, { forUpdate: true });
    await trx
      .deleteFrom('webhook_endpoints')
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.id)
      .execute();
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'webhook_endpoint.deleted',
      targetType: 'webhook_endpoint',
      targetId: input.id,
      data: { url: row.url },
      requestId: ctx.requestId,
    });
    return { id: input.id, object: 'webhook_endpoint' as const, deleted: true as const };
  });
}
