// Successful attempts are stored in batches (one transaction and one statement per batch,
// per tenant), each compare-and-set on its own delivery's lease, with the same rows the
// one-at-a-time path writes; and a busy dispatcher really batches them.
import type { TestDatabase } from '@paymux/db/testing';
import { type ClaimedDelivery, claimDueDeliveries, recordSuccessfulAttempts } from '@paymux/operations';
import type { SendResult } from '@paymux/webhooks';
import type { KyselyPlugin } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SuccessBatcher } from '../src/webhooks/success-batcher.ts';
import {
  dispatcherFor,
  emit,
  makeEndpoint,
  makeTenant,
  webhookTestDatabase,
} from './support/webhook-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

let tdb: TestDatabase;
let receiver: WebhookReceiver | undefined;
beforeAll(async () => {
  tdb = await webhookTestDatabase();
});
afterAll(() => tdb.close());
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await tdb.owner
    .updateTable('webhook_endpoints')
    .set({ status: 'disabled', disabled_reason: 'manual' })
    .where('status', '=', 'enabled')
    .execute();
});

const ok = (latencyMs: number): SendResult => ({
  ok: true,
  statusCode: 200,
  latencyMs,
  errorClass: null,
  errorMessage: null,
  responseBody: 'thanks "quoted" \\ 谢谢',
  retryAfterMs: undefined,
  gone: false,
});

async function claimed(tenantId: string, count: number): Promise<ClaimedDelivery[]> {
  const endpoint = await makeEndpoint(tdb, tenantId, 'http://127.0.0.1:9999/hook');
  for (let i = 0; i < count; i++) await emit(tdb, tenantId, 'payment.succeeded', { id: `pay_${i}` });
  const leased = await claimDueDeliveries(tdb.db, {
    now: new Date(Date.now() + 1_000),
    limit: 100,
    perEndpoint: 100,
    leaseMs: 60_000,
    leaseToken: `test:${endpoint.id}`,
  });
  return leased.filter((d) => d.endpoint_id === endpoint.id);
}

describe('recordSuccessfulAttempts', () => {
  it('records a batch as the single path would: succeeded, attempt rows, leases cleared', async () => {
    const tenant = await makeTenant(tdb);
    const deliveries = await claimed(tenant, 3);
    expect(deliveries).toHaveLength(3);
    const startedAt = new Date();
    const now = new Date(startedAt.getTime() + 25);
    const recorded = await recordSuccessfulAttempts(
      tdb.db,
      tenant,
      deliveries.map((delivery, i) => ({ delivery, result: ok(10 + i), startedAt })),
      now,
    );
    expect([...recorded].sort()).toEqual(deliveries.map((d) => d.id).sort());
    const rows = await tdb.owner
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where(
        'id',
        'in',
        deliveries.map((d) => d.id),
      )
      .execute();
    for (const row of rows) {
      expect(row).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        schedule_attempts: 1,
        next_attempt_at: null,
        lease_token: null,
        lease_expires_at: null,
        last_status_code: 200,
        last_error: null,
      });
      expect(row.succeeded_at).toEqual(now);
    }
    const attempts = await tdb.owner
      .selectFrom('webhook_attempts')
      .selectAll()
      .where(
        'delivery_id',
        'in',
        deliveries.map((d) => d.id),
      )
      .orderBy('latency_ms')
      .execute();
    expect(attempts.map((a) => [a.number, a.latency_ms, a.status_code, a.trigger, a.response_body])).toEqual([
      [1, 10, 200, 'scheduled', 'thanks "quoted" \\ 谢谢'],
      [1, 11, 200, 'scheduled', 'thanks "quoted" \\ 谢谢'],
      [1, 12, 200, 'scheduled', 'thanks "quoted" \\ 谢谢'],
    ]);
  });

  it('records nothing for a delivery whose lease was taken over, and the rest of its batch normally', async () => {
    const tenant = await makeTenant(tdb);
    const [lost, kept] = await claimed(tenant, 2);
    if (!lost || !kept) throw new Error('expected two deliveries');
    await tdb.owner
      .updateTable('webhook_deliveries')
      .set({ lease_token: 'another-dispatcher' })
      .where('id', '=', lost.id)
      .execute();
    const recorded = await recordSuccessfulAttempts(
      tdb.db,
      tenant,
      [lost, kept].map((delivery) => ({ delivery, result: ok(5), startedAt: new Date() })),
      new Date(),
    );
    expect([...recorded]).toEqual([kept.id]);
    const attemptsOfLost = await tdb.owner
      .selectFrom('webhook_attempts')
      .select('number')
      .where('delivery_id', '=', lost.id)
      .execute();
    expect(attemptsOfLost).toEqual([]);
    const lostRow = await tdb.owner
      .selectFrom('webhook_deliveries')
      .select(['status', 'lease_token'])
      .where('id', '=', lost.id)
      .executeTakeFirstOrThrow();
    expect(lostRow).toEqual({ status: 'pending', lease_token: 'another-dispatcher' });
  });

  it('refuses another tenant’s delivery or anything but a plain success, writing nothing', async () => {
    const tenant = await makeTenant(tdb);
    const other = await makeTenant(tdb);
    const [mine] = await claimed(tenant, 1);
    const [theirs] = await claimed(other, 1);
    if (!mine || !theirs) throw new Error('expected deliveries');
    const startedAt = new Date();
    await expect(
      recordSuccessfulAttempts(tdb.db, tenant, [{ delivery: theirs, result: ok(1), startedAt }], new Date()),
    ).rejects.toThrow(/one tenant/);
    await expect(
      recordSuccessfulAttempts(
        tdb.db,
        tenant,
        [{ delivery: mine, result: { ...ok(1), ok: false, statusCode: 500 }, startedAt }],
        new Date(),
      ),
    ).rejects.toThrow(/plain successes/);
    await expect(
      recordSuccessfulAttempts(
        tdb.db,
        tenant,
        [{ delivery: { ...mine, failing_since: new Date() }, result: ok(1), startedAt }],
        new Date(),
      ),
    ).rejects.toThrow(/plain successes/);
    const rows = await tdb.owner
      .selectFrom('webhook_deliveries')
      .select('status')
      .where('id', 'in', [mine.id, theirs.id])
      .execute();
    expect(rows.map((r) => r.status)).toEqual(['pending', 'pending']);
  });
});

describe('SuccessBatcher', () => {
  it('writes successes that arrive while a write is in flight together, telling each caller its own outcome', async () => {
    const tenant = await makeTenant(tdb);
    const deliveries = await claimed(tenant, 40);
    let writes = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        if (
          args.node.kind === 'RawNode' &&
          JSON.stringify(args.node).includes('insert into webhook_attempts')
        )
          writes += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const batcher = new SuccessBatcher(tdb.db.withPlugin(counting), () => new Date());
    const outcomes = await Promise.all(
      deliveries.map((delivery) => batcher.record({ delivery, result: ok(3), startedAt: new Date() })),
    );
    expect(outcomes).toEqual(deliveries.map(() => true));
    // The first write goes alone; the other 39 wait for it and go together.
    expect(writes).toBe(2);
  });

  it('is what the dispatcher uses: a burst of events to a healthy endpoint, each delivered and recorded once', async () => {
    receiver = await startWebhookReceiver();
    const tenant = await makeTenant(tdb);
    const endpoint = await makeEndpoint(tdb, tenant, receiver.url());
    const events = [];
    for (let i = 0; i < 30; i++)
      events.push(await emit(tdb, tenant, 'payment.succeeded', { id: `pay_${i}` }));
    const dispatcher = dispatcherFor(tdb, {
      perEndpointConcurrency: 30,
      now: () => new Date(Date.now() + 1_000),
    });
    expect(await dispatcher.runOnce()).toBe(30);
    expect(receiver.received).toHaveLength(30);
    const rows = await tdb.owner
      .selectFrom('webhook_deliveries')
      .select(['status', 'attempts'])
      .where('endpoint_id', '=', endpoint.id)
      .execute();
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.status === 'succeeded' && r.attempts === 1)).toBe(true);
    const attempts = await tdb.owner
      .selectFrom('webhook_attempts')
      .select('delivery_id')
      .where('endpoint_id', '=', endpoint.id)
      .execute();
    expect(attempts).toHaveLength(30);
  });
});
