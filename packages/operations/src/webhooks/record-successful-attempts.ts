import type { Database } from '@paymux/db';
import { inTenantOneTrip } from '@paymux/db';
import type { SendResult } from '@paymux/webhooks';
import { type Kysely, sql } from 'kysely';
import type { ClaimedDelivery } from './claim-due-deliveries.ts';

/** A 2xx answer to a delivery of an endpoint that was not failing: nothing follows but the record. */
export interface SuccessfulAttempt {
  readonly delivery: ClaimedDelivery;
  readonly result: SendResult;
  readonly startedAt: Date;
}

/**
 * Whether recordSuccessfulAttempts may store this attempt: a success at an endpoint with no
 * failure streak to reset. Everything else (failures, a streak to end) goes through
 * recordDeliveryAttempt, which also decides schedules and disabling.
 */
export function isPlainSuccess(delivery: ClaimedDelivery, result: SendResult): boolean {
  return result.ok && delivery.failing_since === null;
}

/**
 * Stores several successful attempts of one tenant in one transaction and one statement:
 * each delivery is marked succeeded compare-and-set on its own lease token, and its attempt
 * row is inserted only if that held, exactly as recordDeliveryAttempt does for one. Returns
 * the ids of the deliveries recorded (a lapsed lease records nothing for that delivery).
 */
export async function recordSuccessfulAttempts(
  db: Kysely<Database>,
  tenantId: string,
  attempts: readonly SuccessfulAttempt[],
  now: Date,
): Promise<Set<string>> {
  if (attempts.length === 0) return new Set();
  for (const a of attempts) {
    if (a.delivery.tenant_id !== tenantId) throw new Error('recordSuccessfulAttempts: one tenant per call');
    if (!isPlainSuccess(a.delivery, a.result))
      throw new Error('recordSuccessfulAttempts: plain successes only');
  }
  const column = <T>(pick: (a: SuccessfulAttempt) => T) => attempts.map(pick);
  // One statement, so one round trip: BEGIN, the statement and COMMIT written together.
  const written = await inTenantOneTrip(
    db,
    tenantId,
    sql<{ delivery_id: string }>`
      with input as (
        select * from unnest(
          ${column((a) => a.delivery.id)}::text[], ${column((a) => a.delivery.lease_token)}::text[],
          ${column((a) => a.delivery.attempts + 1)}::int[],
          ${column((a) => (a.delivery.retry_once ? a.delivery.schedule_attempts : a.delivery.schedule_attempts + 1))}::int[],
          ${column((a) => a.delivery.endpoint_id)}::text[], ${column((a) => a.delivery.url)}::text[],
          ${column((a) => a.startedAt)}::timestamptz[], ${column((a) => a.result.latencyMs)}::int[],
          ${column((a) => a.result.statusCode)}::int[], ${column((a) => a.result.responseBody)}::text[],
          ${column((a) => (a.delivery.retry_once ? 'manual' : 'scheduled'))}::text[]
        ) as t(id, lease_token, number, schedule_attempts, endpoint_id, url, started_at, latency_ms,
          status_code, response_body, trigger)
      ), claimed as (
        update webhook_deliveries w set
          status = 'succeeded', next_attempt_at = null, attempts = i.number,
          schedule_attempts = i.schedule_attempts, retry_once = false, lease_token = null,
          lease_expires_at = null, last_attempt_at = i.started_at, last_status_code = i.status_code,
          last_error = null, succeeded_at = ${now}, updated_at = ${now}
        from input i
        where w.tenant_id = ${tenantId} and w.id = i.id and w.lease_token = i.lease_token
        returning w.tenant_id, w.id
      )
      insert into webhook_attempts (tenant_id, delivery_id, number, endpoint_id, url, started_at, latency_ms,
        status_code, error_class, error_message, response_body, trigger)
      select c.tenant_id, c.id, i.number, i.endpoint_id, i.url, i.started_at, i.latency_ms, i.status_code,
        null, null, i.response_body, i.trigger
      from claimed c join input i on i.id = c.id
      returning delivery_id
    `,
  );
  return new Set(written.map((r) => r.delivery_id));
}
