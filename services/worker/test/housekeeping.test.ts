import type { TestDatabase } from '@paymux/db/testing';
import { sandboxEndpoints } from '@paymux/providers';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type Worker } from '../src/index.ts';
import { eventually, FAST_WORKER, UNREACHABLE } from './support/harness.ts';
import {
  emit,
  makeEndpoint,
  makeTenant,
  SILENT,
  VAULT,
  webhookTestDatabase,
} from './support/webhook-fixtures.ts';

let tdb: TestDatabase;
let worker: Worker | undefined;
beforeAll(async () => {
  tdb = await webhookTestDatabase();
});
afterAll(async () => {
  await worker?.stop();
  await tdb.close();
});

describe('worker housekeeping', () => {
  it('prunes Idempotency-Key records past 48 h and finished webhook deliveries past 30 days', async () => {
    const tenantId = await makeTenant(tdb);
    await makeEndpoint(tdb, tenantId, 'http://127.0.0.1:9999/hooks');
    const oldEvent = await emit(tdb, tenantId);
    const newEvent = await emit(tdb, tenantId);
    // One delivery failed 40 days ago, one yesterday (each with its logged attempt).
    for (const [eventId, days] of [
      [oldEvent, 40],
      [newEvent, 1],
    ] as const) {
      await sql`
        update webhook_deliveries set status = 'failed', next_attempt_at = null, attempts = 1,
          updated_at = now() - make_interval(days => ${days})
        where tenant_id = ${tenantId} and event_id = ${eventId}
      `.execute(tdb.owner);
      await sql`
        insert into webhook_attempts (tenant_id, delivery_id, number, endpoint_id, url, started_at,
          latency_ms, error_class, response_body, trigger)
        select tenant_id, id, 1, endpoint_id, 'http://127.0.0.1:9999/hooks', updated_at, 1, 'connect', '',
          'scheduled'
        from webhook_deliveries where tenant_id = ${tenantId} and event_id = ${eventId}
      `.execute(tdb.owner);
    }
    await sql`
      insert into idempotency_keys (tenant_id, mode, key, request_method, request_path, request_hash, status, created_at)
      values (${tenantId}, 'test', 'old-key', 'POST', '/v1/payments', 'h', 'completed', now() - interval '50 hours'),
        (${tenantId}, 'test', 'new-key', 'POST', '/v1/payments', 'h', 'completed', now() - interval '1 hour')
    `.execute(tdb.owner);

    worker = await startWorker({
      db: tdb.db,
      url: tdb.url,
      providerCtx: {
        vault: VAULT,
        endpoints: { live: sandboxEndpoints(UNREACHABLE), test: sandboxEndpoints(UNREACHABLE) },
      },
      logger: SILENT,
      webhooks: false,
      ...FAST_WORKER,
      timings: { ...FAST_WORKER.timings, pruneIntervalMs: 200 },
    });

    const deliveryEvents = async () =>
      (
        await sql<{ event_id: string }>`
          select event_id from webhook_deliveries where tenant_id = ${tenantId} order by event_id
        `.execute(tdb.owner)
      ).rows.map((r) => r.event_id);
    await eventually(
      async () => ((await deliveryEvents()).length === 1 ? true : undefined),
      10_000,
      'the old delivery to be pruned',
    );
    expect(await deliveryEvents()).toEqual([newEvent]);
    const attempts = await sql<{ n: number }>`
      select count(*)::int as n from webhook_attempts where tenant_id = ${tenantId}
    `.execute(tdb.owner);
    expect(attempts.rows[0]?.n).toBe(1);
    const keys = await sql<{ key: string }>`
      select key from idempotency_keys where tenant_id = ${tenantId} order by key
    `.execute(tdb.owner);
    expect(keys.rows.map((r) => r.key)).toEqual(['new-key']);
    // The events stay, to be replayed.
    const events = await sql<{ n: number }>`
      select count(*)::int as n from events where tenant_id = ${tenantId}
    `.execute(tdb.owner);
    expect(events.rows[0]?.n).toBe(2);
  });
});
