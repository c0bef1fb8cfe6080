import { PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { sql } from 'kysely';
import type { OperationContext } from '../context.ts';
import { WEBHOOK_WAKE_CHANNEL } from '../events/append-event.ts';
import { type DeliveryView, toDeliveryView } from './delivery-view.ts';
import { findDelivery } from './find-delivery.ts';
import { findWebhookEndpoint } from './find-webhook-endpoint.ts';

/**
 * Sends a delivery again now. A pending delivery is brought forward (its schedule goes on
 * if this attempt fails too); a finished one (failed, or even succeeded) gets exactly one
 * more attempt, which is not retried if it fails. The endpoint must be enabled.
 */
export async function retryDelivery({
  ctx,
  input,
}: {
  ctx: OperationContext & { readonly now?: (() => Date) | undefined };
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<DeliveryView> {
  const now = ctx.now?.() ?? new Date();
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    const delivery = await findDelivery(trx, input, input.id, { forUpdate: true });
    const endpoint = await findWebhookEndpoint(trx, input, delivery.endpoint_id);
    if (endpoint.status !== 'enabled') {
      throw new PaymuxError(
        'conflict',
        `Webhook endpoint ${endpoint.id} is disabled (${endpoint.disabled_reason}); enable it before retrying.`,
      );
    }
    if (
      delivery.lease_token !== null &&
      delivery.lease_expires_at !== null &&
      delivery.lease_expires_at > now
    ) {
      throw new PaymuxError('conflict', `Delivery ${delivery.id} is being attempted right now.`);
    }
    const row = await trx
      .updateTable('webhook_deliveries')
      .set({
        status: 'pending',
        next_attempt_at: now,
        retry_once: delivery.status !== 'pending',
        updated_at: now,
      })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await sql`select pg_notify(${WEBHOOK_WAKE_CHANNEL}, '')`.execute(trx);
    return toDeliveryView(row);
  });
}
