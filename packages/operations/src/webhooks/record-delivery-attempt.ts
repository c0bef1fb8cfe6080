import type { Database, DeliveryStatusColumn } from '@paymux/db';
import { withTenant } from '@paymux/db';
import { nextAttemptDelayMs, type SendResult } from '@paymux/webhooks';
import { type Kysely, sql } from 'kysely';
import { appendEvent } from '../events/append-event.ts';
import type { ClaimedDelivery } from './claim-due-deliveries.ts';
import { toWebhookEndpointView } from './webhook-endpoint-view.ts';

/** An endpoint answering nothing but failures for this long is disabled (Svix's figure). */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 60 * 60 * 1000;

export type RecordOutcome =
  | {
      readonly recorded: true;
      readonly status: DeliveryStatusColumn;
      readonly nextAttemptAt: Date | null;
      readonly endpointDisabled: 'gone' | 'failing' | null;
    }
  | { readonly recorded: false; readonly reason: 'lease_lost' };

/**
 * Stores one attempt's result, in one transaction under the delivery's tenant, and decides
 * what follows: success; the next attempt on the schedule (Retry-After as a floor); or
 * `failed` when the schedule is exhausted, a one-off manual retry failed, or the endpoint
 * answered 410. Compare-and-set on the lease token: a dispatcher whose lease lapsed (and
 * whose delivery another took over) records nothing. A 410, or five days of failures,
 * disables the endpoint and tells the tenant with a `webhook_endpoint.disabled` event (to
 * its other endpoints); the disabled endpoint's pending deliveries wait for it to be enabled.
 */
export async function recordDeliveryAttempt(
  db: Kysely<Database>,
  input: {
    readonly delivery: ClaimedDelivery;
    readonly result: SendResult;
    readonly startedAt: Date;
    readonly now: Date;
    readonly random?: () => number;
  },
): Promise<RecordOutcome> {
  const { delivery, result, now } = input;
  const manual = delivery.retry_once;
  let status: DeliveryStatusColumn;
  let nextAttemptAt: Date | null = null;
  if (result.ok) status = 'succeeded';
  else if (result.gone || manual) status = 'failed';
  else {
    const delay = nextAttemptDelayMs({
      attemptsMade: delivery.schedule_attempts + 1,
      retryAfterMs: result.retryAfterMs,
      ...(input.random ? { random: input.random } : {}),
    });
    status = delay === null ? 'failed' : 'pending';
    if (delay !== null) nextAttemptAt = new Date(now.getTime() + delay);
  }

  return await withTenant(db, delivery.tenant_id, async (trx) => {
    // One statement: the compare-and-set on the lease, and the attempt row only if it held.
    const written = await sql<{ number: number }>`
      with claimed as (
        update webhook_deliveries set
          status = ${status}, next_attempt_at = ${nextAttemptAt}::timestamptz, attempts = ${delivery.attempts + 1},
          schedule_attempts = ${manual ? delivery.schedule_attempts : delivery.schedule_attempts + 1},
          retry_once = false, lease_token = null, lease_expires_at = null,
          last_attempt_at = ${input.startedAt}, last_status_code = ${result.statusCode},
          last_error = ${result.errorClass},
          succeeded_at = ${result.ok ? sql`${now}::timestamptz` : sql`succeeded_at`}, updated_at = ${now}
        where tenant_id = ${delivery.tenant_id} and id = ${delivery.id} and lease_token = ${delivery.lease_token}
        returning tenant_id, id
      )
      insert into webhook_attempts (tenant_id, delivery_id, number, endpoint_id, url, started_at, latency_ms,
        status_code, error_class, error_message, response_body, trigger)
      select tenant_id, id, ${delivery.attempts + 1}, ${delivery.endpoint_id}, ${delivery.url}, ${input.startedAt},
        ${result.latencyMs}, ${result.statusCode}, ${result.errorClass}, ${result.errorMessage},
        ${result.responseBody}, ${manual ? 'manual' : 'scheduled'}
      from claimed
      returning number
    `.execute(trx);
    if (written.rows.length === 0) return { recorded: false as const, reason: 'lease_lost' as const };

    let endpointDisabled: 'gone' | 'failing' | null = null;
    if (result.ok) {
      if (delivery.failing_since !== null) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ failing_since: null })
          .where('tenant_id', '=', delivery.tenant_id)
          .where('id', '=', delivery.endpoint_id)
          .execute();
      }
    } else {
      if (!result.gone && delivery.failing_since === null) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ failing_since: now })
          .where('tenant_id', '=', delivery.tenant_id)
          .where('id', '=', delivery.endpoint_id)
          .where('failing_since', 'is', null)
          .execute();
      }
      const reason = result.gone ? ('gone' as const) : ('failing' as const);
      // Decided on the stored streak, not the claim's copy: a success elsewhere may have reset it.
      let disable = trx
        .updateTable('webhook_endpoints')
        .set({ status: 'disabled', disabled_reason: reason, disabled_at: now, updated_at: now })
        .where('tenant_id', '=', delivery.tenant_id)
        .where('id', '=', delivery.endpoint_id)
        .where('status', '=', 'enabled');
      if (!result.gone) {
        disable = disable.where('failing_since', '<=', new Date(now.getTime() - DISABLE_AFTER_FAILING_MS));
      }
      const disabled = await disable.returningAll().executeTakeFirst();
      if (disabled) {
        endpointDisabled = reason;
        await appendEvent(trx, {
          tenantId: delivery.tenant_id,
          mode: delivery.mode,
          type: 'webhook_endpoint.disabled',
          objectId: delivery.endpoint_id,
          data: { ...toWebhookEndpointView(disabled, now) },
        });
      }
    }
    return { recorded: true as const, status, nextAttemptAt, endpointDisabled };
  });
}
