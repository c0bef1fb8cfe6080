import { PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { WEBHOOK_WAKE_CHANNEL } from '../events/append-event.ts';
import { findWebhookEndpoint } from './find-webhook-endpoint.ts';

/** Events one replay may schedule; a larger range is refused, to be split by the caller. */
export const MAX_REPLAY_EVENTS = 10_000;

/**
 * Schedules every event of the endpoint's mode created in [since, until) that the endpoint
 * subscribes to, for delivery now: a delivery is created where none exists (an event from
 * before the endpoint was created or while it was disabled), and an existing one starts a
 * fresh retry schedule, whatever its status. A delivery being sent at this moment loses its
 * lease, so that send's result is not recorded over the new schedule (the event goes out
 * again). The webhook-id stays the event id, so a tenant that already processed an event
 * recognises the repeat.
 */
export async function replayWebhookEvents({
  ctx,
  input,
}: {
  ctx: OperationContext & { readonly now?: (() => Date) | undefined };
  input: { tenantId: string; mode: 'test' | 'live'; id: string; since: Date; until?: Date | undefined };
}): Promise<{ object: 'webhook_replay'; webhook_endpoint: string; events: number }> {
  const now = ctx.now?.() ?? new Date();
  const until = input.until ?? now;
  if (!(input.since < until)) {
    throw new PaymuxError('validation_failed', 'since must be before until.', {
      fields: [{ path: 'since', message: 'must be before until' }],
    });
  }
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    const endpoint = await findWebhookEndpoint(trx, input, input.id, { forUpdate: true });
    if (endpoint.status !== 'enabled') {
      throw new PaymuxError(
        'conflict',
        `Webhook endpoint ${endpoint.id} is disabled (${endpoint.disabled_reason}); enable it before replaying.`,
      );
    }
    const matching = sql`
      select ev.tenant_id, ev.id, ev.mode from events ev
      where ev.tenant_id = ${input.tenantId} and ev.mode = ${input.mode}
        and ev.created_at >= ${input.since} and ev.created_at < ${until}
        and (cardinality(${endpoint.enabled_events}::text[]) = 0 or ev.type = any(${endpoint.enabled_events}::text[]))
    `;
    const counted = await sql<{
      n: number;
    }>`select count(*)::int as n from (${matching} limit ${MAX_REPLAY_EVENTS + 1}) as m`.execute(trx);
    const n = counted.rows[0]?.n ?? 0;
    if (n > MAX_REPLAY_EVENTS) {
      throw new PaymuxError(
        'validation_failed',
        `More than ${MAX_REPLAY_EVENTS} events in that range; replay it in smaller ranges.`,
        { fields: [{ path: 'since', message: `range holds more than ${MAX_REPLAY_EVENTS} events` }] },
      );
    }
    if (n > 0) {
      await sql`
        insert into webhook_deliveries (tenant_id, id, mode, event_id, endpoint_id, next_attempt_at, created_at, updated_at)
        select m.tenant_id, paymux_new_id('dlv'), m.mode, m.id, ${endpoint.id}, ${now}, ${now}, ${now}
        from (${matching}) as m
        on conflict (tenant_id, event_id, endpoint_id) do update
        set status = 'pending', next_attempt_at = ${now}, schedule_attempts = 0, retry_once = false,
          lease_token = null, lease_expires_at = null, updated_at = ${now}
      `.execute(trx);
      await sql`select pg_notify(${WEBHOOK_WAKE_CHANNEL}, '')`.execute(trx);
    }
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'webhook_endpoint.replayed',
      targetType: 'webhook_endpoint',
      targetId: endpoint.id,
      data: { since: input.since.toISOString(), until: until.toISOString(), events: n },
      requestId: ctx.requestId,
    });
    return { object: 'webhook_replay' as const, webhook_endpoint: endpoint.id, events: n };
  });
}
