// Tenants, endpoints and events for the webhook dispatcher's tests, through the same
// verbs the API uses, on a test database of their own.
import { randomBytes } from 'node:crypto';
import type { EventType } from '@paymux/core';
import { type WebhookEndpointRow, withTenant } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { appendEvent, createTenant, createWebhookEndpoint, OPERATOR } from '@paymux/operations';
import { LocalKeyProvider } from '@paymux/vault';
import type { BaseLookup } from '@paymux/webhooks';
import { pino } from 'pino';
import { WebhookDispatcher } from '../../src/index.ts';
import type { WebhookDispatcherOptions } from '../../src/webhooks/dispatcher-options.ts';

/** The master key, shared with child processes of the crash tests. */
export const MASTER_KEY = randomBytes(32);
export const VAULT = new LocalKeyProvider([MASTER_KEY]);
export const SILENT = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

let counter = 0;

export async function webhookTestDatabase(): Promise<TestDatabase> {
  return await createTestDatabase();
}

export async function makeTenant(tdb: TestDatabase): Promise<string> {
  counter += 1;
  const { tenant } = await createTenant({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: {
      name: `Shop ${counter}`,
      email: `hooks-${Date.now()}-${counter}@example.com`,
      password: 'correct horse battery',
    },
  });
  return tenant.id;
}

export async function makeEndpoint(
  tdb: TestDatabase,
  tenantId: string,
  url: string,
  options: {
    mode?: 'test' | 'live';
    enabledEvents?: EventType[];
    lookup?: BaseLookup;
    allowLoopback?: boolean;
  } = {},
) {
  return await createWebhookEndpoint({
    ctx: {
      db: tdb.db,
      vault: VAULT,
      actor: OPERATOR,
      allowLoopback: options.allowLoopback ?? true,
      lookup: options.lookup,
    },
    input: { tenantId, mode: options.mode ?? 'test', url, enabled_events: options.enabledEvents },
  });
}

/** Appends an event the way a payment transition does; returns its id. */
export async function emit(
  tdb: TestDatabase,
  tenantId: string,
  type: EventType = 'payment.succeeded',
  data: Record<string, unknown> = { id: 'pay_x', amount: 100, description: '茶 🍵' },
  mode: 'test' | 'live' = 'test',
): Promise<string> {
  const event = await withTenant(tdb.db, tenantId, (trx) =>
    appendEvent(trx, { tenantId, mode, type, objectId: String(data.id ?? 'pay_x'), data }),
  );
  return event.id;
}

/**
 * A controllable clock that moves only when told. It starts a few seconds ahead of the
 * database clock: deliveries are due from their event's `now()`, so events the test
 * appends after creating the clock are due on it at once.
 */
export function fakeClock(start = new Date(Date.now() + 5_000)) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    set(date: Date) {
      now = date.getTime();
    },
  };
}

export function dispatcherFor(tdb: TestDatabase, options: Partial<WebhookDispatcherOptions> = {}) {
  return new WebhookDispatcher({
    db: tdb.db,
    vault: VAULT,
    logger: SILENT,
    allowLoopback: true,
    random: () => 0.5,
    timeoutMs: 2_000,
    ...options,
  });
}

export async function deliveryOf(tdb: TestDatabase, eventId: string, endpointId: string) {
  return await tdb.owner
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('event_id', '=', eventId)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirstOrThrow();
}

export async function endpointRow(tdb: TestDatabase, endpointId: string): Promise<WebhookEndpointRow> {
  return (await tdb.owner
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', endpointId)
    .executeTakeFirstOrThrow()) as WebhookEndpointRow;
}
