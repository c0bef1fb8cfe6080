import { randomBytes } from 'node:crypto';
import { newId } from '@paymux/core';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { LocalKeyProvider } from '@paymux/vault';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createWebhookEndpoint, OPERATOR, pruneWebhookDeliveries } from '../src/index.ts';

let tdb: TestDatabase;
let tenantId: string;
let endpointId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  const { tenant } = await createTenant({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: { name: 'Hooks', email: `prune-${Date.now()}@example.com`, password: 'correct horse battery' },
  });
  tenantId = tenant.id;
  const endpoint = await createWebhookEndpoint({
    ctx: { db: tdb.db, vault: new LocalKeyProvider([randomBytes(32)]), actor: OPERATOR, allowLoopback: true },
    input: { tenantId, mode: 'test', url: 'http://127.0.0.1:9999/hooks' },
  });
  endpointId = endpoint.id;
});
afterAll(() => tdb.close());

/** An event and its delivery, last changed `ageDays` ago, with `attempts` logged attempts. */
async function delivery(
  label: string,
  status: 'pending' | 'succeeded' | 'failed',
  ageDays: number,
  attempts = 2,
): Promise<{ label: string; eventId: string; deliveryId: string }> {
  const eventId = newId('evt');
  const deliveryId = newId('dlv');
  const changed = sql`now() - make_interval(days => ${ageDays})`;
  await sql`
    insert into events (tenant_id, id, mode, type, object_id, data, created_at)
    values (${tenantId}, ${eventId}, 'test', 'payment.succeeded', ${label}, '{}'::jsonb, ${changed})
  `.execute(tdb.owner);
  await sql`
    insert into webhook_deliveries (tenant_id, id, mode, event_id, endpoint_id, status, attempts,
      next_attempt_at, created_at, updated_at)
    values (${tenantId}, ${deliveryId}, 'test', ${eventId}, ${endpointId}, ${status}, ${attempts},
      ${status === 'pending' ? sql`now()` : null}, ${changed}, ${changed})
  `.execute(tdb.owner);
  for (let number = 1; number <= attempts; number += 1) {
    await sql`
      insert into webhook_attempts (tenant_id, delivery_id, number, endpoint_id, url, started_at,
        latency_ms, status_code, response_body, trigger)
      values (${tenantId}, ${deliveryId}, ${number}, ${endpointId}, 'http://127.0.0.1:9999/hooks',
        ${changed}, 12, 500, 'no', 'scheduled')
    `.execute(tdb.owner);
  }
  return { label, eventId, deliveryId };
}

const remaining = async () => {
  const rows = await sql<{ object_id: string; attempts: number }>`
    select e.object_id, (select count(*)::int from webhook_attempts a
      where a.tenant_id = d.tenant_id and a.delivery_id = d.id) as attempts
    from webhook_deliveries d join events e on e.tenant_id = d.tenant_id and e.id = d.event_id
    where d.tenant_id = ${tenantId} order by e.object_id
  `.execute(tdb.owner);
  return rows.rows;
};
const orphanAttempts = async () =>
  (
    await sql<{ n: number }>`
      select count(*)::int as n from webhook_attempts a where not exists (
        select 1 from webhook_deliveries d where d.tenant_id = a.tenant_id and d.id = a.delivery_id)
    `.execute(tdb.owner)
  ).rows[0]?.n;
const events = async () =>
  (
    await sql<{ n: number }>`select count(*)::int as n from events where tenant_id = ${tenantId}`.execute(
      tdb.owner,
    )
  ).rows[0]?.n;

describe('pruneWebhookDeliveries', () => {
  it('deletes finished deliveries past 30 days with their attempts, in batches, and keeps events and the rest', async () => {
    await delivery('a-succeeded-31d', 'succeeded', 31);
    await delivery('b-failed-45d', 'failed', 45, 8);
    await delivery('c-succeeded-90d', 'succeeded', 90, 1);
    await delivery('d-pending-60d', 'pending', 60);
    await delivery('e-succeeded-29d', 'succeeded', 29);
    await delivery('f-failed-1d', 'failed', 1);
    const eventsBefore = await events();

    expect(await pruneWebhookDeliveries(tdb.db, { batchSize: 2 })).toBe(3);
    expect(await remaining()).toEqual([
      { object_id: 'd-pending-60d', attempts: 2 },
      { object_id: 'e-succeeded-29d', attempts: 2 },
      { object_id: 'f-failed-1d', attempts: 2 },
    ]);
    expect(await orphanAttempts()).toBe(0);
    expect(await events()).toBe(eventsBefore);
    expect(await pruneWebhookDeliveries(tdb.db)).toBe(0);
  });

  it('never prunes inside a week, whatever it is asked', async () => {
    await delivery('g-succeeded-6d', 'succeeded', 6);
    await delivery('h-succeeded-8d', 'succeeded', 8);
    expect(await pruneWebhookDeliveries(tdb.db, { olderThanS: 60 })).toBe(2); // h, and e from above
    const left = (await remaining()).map((r) => r.object_id);
    expect(left).toContain('g-succeeded-6d');
    expect(left).not.toContain('h-succeeded-8d');
    expect(left).toContain('d-pending-60d');
  });

  it('keeps a delivery put back on a schedule while the prune waits for its row', async () => {
    const old = await delivery('i-failed-40d', 'failed', 40);
    // A retry holds the row (as retryDelivery does) when the prune reaches it.
    const holder = await tdb.owner.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await sql`
        update webhook_deliveries set status = 'pending', next_attempt_at = now(), retry_once = true,
          updated_at = now() - make_interval(days => 40)
        where tenant_id = ${tenantId} and id = ${old.deliveryId}
      `.execute(conn);
      const pruning = pruneWebhookDeliveries(tdb.db);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sql`commit`.execute(conn);
      return await pruning;
    });
    expect(holder).toBe(0);
    expect((await remaining()).map((r) => r.object_id)).toContain('i-failed-40d');
  });
});
