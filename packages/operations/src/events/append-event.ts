import { type EventType, newId } from '@paymux/core';
import type { Database, EventRow } from '@paymux/db';
import { type RawBuilder, sql, type Transaction } from 'kysely';

/** Woken by every transaction that queued deliveries; the webhook dispatcher listens. */
export const WEBHOOK_WAKE_CHANNEL = 'paymux_webhook_deliveries';

export interface AppendedEvent extends EventRow {
  /** Deliveries queued for the tenant's enabled endpoints subscribed to this type. */
  readonly deliveries: number;
}

/**
 * Appends an event inside the transaction that made the change it reports, and in the
 * same statement queues one webhook delivery per enabled endpoint of the tenant (same
 * mode) subscribed to the type, so a state change, its event and its deliveries commit
 * together or not at all (transactional outbox). When any delivery was queued, the
 * dispatcher is woken by NOTIFY, which PostgreSQL sends only if the transaction commits.
 * Events are immutable: the app role may insert and read, nothing else.
 */
export async function appendEvent(
  trx: Transaction<Database>,
  event: {
    tenantId: string;
    mode: 'test' | 'live';
    type: EventType;
    objectId: string;
    data: Record<string, unknown>;
  },
): Promise<AppendedEvent> {
  const result = await sql<EventRow & { deliveries: number }>`
    with ${eventCtes(sql`
      values (${event.tenantId}, ${newId('evt')}, ${event.mode}, ${event.type}, ${event.objectId},
        ${JSON.stringify(event.data)}::jsonb)
    `)}
    select ev.*, (select count(*) from queued)::int as deliveries, (select count(*) from wake) as woken
    from ev
  `.execute(trx);
  const row = result.rows[0];
  if (!row) throw new Error('appendEvent: the insert returned no row');
  const { woken: _woken, ...appended } = row as typeof row & { woken: unknown };
  return appended;
}

/**
 * appendEvent as common table expressions, for a statement that appends the event of a
 * change it makes itself (a payment transition: one round trip for both). `rows` yields
 * the event's (tenant_id, id, mode, type, object_id, data): a VALUES list, or a SELECT from
 * an earlier CTE, so the event exists only if that CTE produced a row. Defines `ev` (the
 * inserted event), `queued` (its deliveries) and `wake`; the statement MUST read `wake`
 * (e.g. `(select count(*) from wake)`), or PostgreSQL skips it and no NOTIFY is sent.
 */
export function eventCtes(rows: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    ev as (
      insert into events (tenant_id, id, mode, type, object_id, data)
      ${rows}
      returning *
    ), queued as (
      insert into webhook_deliveries (tenant_id, id, mode, event_id, endpoint_id, next_attempt_at, created_at, updated_at)
      select ev.tenant_id, paymux_new_id('dlv'), ev.mode, ev.id, e.id, ev.created_at, ev.created_at, ev.created_at
      from ev
      join webhook_endpoints e
        on e.tenant_id = ev.tenant_id and e.mode = ev.mode and e.status = 'enabled'
        and (cardinality(e.enabled_events) = 0 or ev.type = any(e.enabled_events))
      returning 1
    ), wake as (
      select pg_notify(${WEBHOOK_WAKE_CHANNEL}, '') from (select 1 from queued limit 1) as any_queued
    )
  `;
}
