import type { EventType } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import { WEBHOOK_WAKE_CHANNEL } from '../events/append-event.ts';
import { checkEndpointUrl } from './check-endpoint-url.ts';
import { findWebhookEndpoint } from './find-webhook-endpoint.ts';
import type { WebhookContext } from './webhook-context.ts';
import { toWebhookEndpointView, type WebhookEndpointView } from './webhook-endpoint-view.ts';

export interface UpdateWebhookEndpointInput {
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly id: string;
  readonly url?: string | undefined;
  readonly enabled_events?: readonly EventType[] | undefined;
  readonly description?: string | null | undefined;
  readonly status?: 'enabled' | 'disabled' | undefined;
}

/**
 * Changes an endpoint. Disabling stops new deliveries to it and pauses its pending ones;
 * enabling resumes the paused ones and clears the failure streak (events that happened
 * while it was disabled are kept in the event log: replay them with `replayWebhookEvents`).
 */
export async function updateWebhookEndpoint({
  ctx,
  input,
}: {
  ctx: WebhookContext;
  input: UpdateWebhookEndpointInput;
}): Promise<WebhookEndpointView> {
  const url = input.url === undefined ? undefined : await checkEndpointUrl(ctx, input.mode, input.url);
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    const before = await findWebhookEndpoint(trx, input, input.id, { forUpdate: true });
    const statusChange =
      input.status === undefined || input.status === before.status
        ? {}
        : input.status === 'disabled'
          ? { status: 'disabled' as const, disabled_reason: 'manual' as const, disabled_at: sql<Date>`now()` }
          : { status: 'enabled' as const, disabled_reason: null, disabled_at: null, failing_since: null };
    const row = await trx
      .updateTable('webhook_endpoints')
      .set({
        ...(url === undefined ? {} : { url }),
        ...(input.enabled_events === undefined ? {} : { enabled_events: [...new Set(input.enabled_events)] }),
        ...(input.description === undefined ? {} : { description: input.description }),
        ...statusChange,
        updated_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'webhook_endpoint.updated',
      targetType: 'webhook_endpoint',
      targetId: input.id,
      data: {
        before: { url: before.url, enabled_events: before.enabled_events, status: before.status },
        after: { url: row.url, enabled_events: row.enabled_events, status: row.status },
      },
      requestId: ctx.requestId,
    });
    if (statusChange.status === 'enabled') {
      // Paused deliveries whose time passed while disabled go out now, not in a burst of stale times.
      await sql`select pg_notify(${WEBHOOK_WAKE_CHANNEL}, '')`.execute(trx);
    }
    return toWebhookEndpointView(row, ctx.now?.());
  });
}
