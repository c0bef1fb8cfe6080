import { type Database, inSystemOneTrip } from '@paymux/db';
import { type Kysely, sql } from 'kysely';

/** A delivery leased to one dispatcher, with what it needs to send it. */
export interface ClaimedDelivery {
  readonly tenant_id: string;
  readonly id: string;
  readonly mode: 'test' | 'live';
  readonly event_id: string;
  readonly endpoint_id: string;
  readonly attempts: number;
  readonly schedule_attempts: number;
  readonly retry_once: boolean;
  readonly lease_token: string;
  readonly event_type: string;
  readonly event_created_at: Date;
  readonly event_data: Record<string, unknown>;
  readonly url: string;
  readonly secret: unknown;
  readonly previous_secret: unknown;
  readonly previous_secret_expires_at: Date | null;
  readonly failing_since: Date | null;
}

// Claims are serialised (one short statement each) so the per-endpoint cap is exact
// across dispatcher processes: the in-flight count is read by one claimer at a time. The
// lock is taken with BEGIN, so the claim statement's snapshot is taken under it.
const CLAIM_LOCK = 'webhook-claim';

/**
 * Leases up to `limit` due deliveries of enabled endpoints, at most `perEndpoint` in flight
 * per endpoint (counting other dispatchers' live leases), oldest due first. A lease is a
 * token and an expiry; a dispatcher that dies mid-send loses nothing: its leases lapse and
 * the deliveries are claimed again, with the same webhook-id. Runs on the reviewed
 * cross-tenant path (ADR 0003) and only writes the two lease columns.
 *
 * Each enabled endpoint with due work is probed on its own index range, so a backlog at one
 * endpoint cannot fill the batch and starve the others.
 */
export async function claimDueDeliveries(
  db: Kysely<Database>,
  options: {
    readonly now: Date;
    readonly limit: number;
    readonly perEndpoint: number;
    readonly leaseMs: number;
    readonly leaseToken: string;
  },
): Promise<ClaimedDelivery[]> {
  if (options.limit <= 0) return [];
  const leaseUntil = new Date(options.now.getTime() + options.leaseMs);
  // One statement, so one round trip: BEGIN with the lock, the claim and COMMIT written together.
  return await inSystemOneTrip(
    db,
    'webhook-dispatch',
    sql<ClaimedDelivery>`
      with chosen as (
        select d.tenant_id, d.id
        from webhook_endpoints e
        cross join lateral (
          select count(*)::int as n from webhook_deliveries b
          where b.tenant_id = e.tenant_id and b.endpoint_id = e.id
            and b.lease_token is not null and b.lease_expires_at > ${options.now}
        ) as busy
        cross join lateral (
          select d.tenant_id, d.id, d.next_attempt_at from webhook_deliveries d
          where d.tenant_id = e.tenant_id and d.endpoint_id = e.id and d.status = 'pending'
            and d.next_attempt_at <= ${options.now}
            and (d.lease_token is null or d.lease_expires_at <= ${options.now})
          order by d.next_attempt_at, d.id
          limit greatest(0, ${options.perEndpoint}::int - busy.n)
          for update of d skip locked
        ) as d
        where e.status = 'enabled'
        order by d.next_attempt_at, d.id
        limit ${options.limit}
      )
      update webhook_deliveries w
      set lease_token = ${options.leaseToken}, lease_expires_at = ${leaseUntil}
      from chosen c, events ev, webhook_endpoints e
      where w.tenant_id = c.tenant_id and w.id = c.id
        and ev.tenant_id = w.tenant_id and ev.id = w.event_id
        and e.tenant_id = w.tenant_id and e.id = w.endpoint_id
      returning w.tenant_id, w.id, w.mode, w.event_id, w.endpoint_id, w.attempts, w.schedule_attempts,
        w.retry_once, w.lease_token, ev.type as event_type, ev.created_at as event_created_at,
        ev.data as event_data, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at,
        e.failing_since
    `,
    { advisoryLock: CLAIM_LOCK },
  );
}
