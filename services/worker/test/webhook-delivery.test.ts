import type { TestDatabase } from '@paymux/db/testing';
import {
  getDelivery,
  OPERATOR,
  replayWebhookEvents,
  retryDelivery,
  rotateWebhookSecret,
  toWebhookEndpointView,
  updateWebhookEndpoint,
} from '@paymux/operations';
import { DELIVERY_SCHEDULE_MS, MAX_RETRY_AFTER_MS } from '@paymux/webhooks';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deliveryOf,
  dispatcherFor,
  emit,
  endpointRow,
  fakeClock,
  makeEndpoint,
  makeTenant,
  VAULT,
  webhookTestDatabase,
} from './support/webhook-fixtures.ts';
import { startWebhookReceiver, status, type WebhookReceiver } from './support/webhook-receiver.ts';

let tdb: TestDatabase;
let receiver: WebhookReceiver;
beforeAll(async () => {
  tdb = await webhookTestDatabase();
});
afterAll(() => tdb.close());
afterEach(async () => {
  await receiver?.close();
  // Every test's dispatcher claims across tenants: leave nothing due for the next one.
  await tdb.owner
    .updateTable('webhook_endpoints')
    .set({ status: 'disabled', disabled_reason: 'manual' })
    .where('status', '=', 'enabled')
    .execute();
});

const headersOf = (r: { headers: Record<string, unknown> }) => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

describe('delivering an event', () => {
  it('POSTs {id, type, timestamp, data} signed per Standard Webhooks, verified by the standardwebhooks library', async () => {
    receiver = await startWebhookReceiver();
    const tenant = await makeTenant(tdb);
    const endpoint = await makeEndpoint(tdb, tenant, receiver.url());
    const eventId = await emit(tdb, tenant, 'payment.succeeded', {
      id: 'pay_1',
      amount: 100,
      description: '茶 🍵',
    });
    const dispatcher = dispatcherFor(tdb);

    expect(await dispatcher.runOnce()).toBe(1);

    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    if (!hook) throw new Error('no webhook');
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['webhook-id']).toBe(eventId);
    const payload = new Webhook(endpoint.secret).verify(hook.rawBody, headersOf(hook)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(payload)).toEqual(['id', 'type', 'timestamp', 'data']);
    expect(payload).toMatchObject({
      id: eventId,
      type: 'payment.succeeded',
      data: { object: { id: 'pay_1', amount: 100, description: '茶 🍵' } },
    });
    // A different secret does not verify it.
    expect(() =>
      new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').verify(hook.rawBody, headersOf(hook)),
    ).toThrow();

    const delivery = await deliveryOf(tdb, eventId, endpoint.id);
    expect(delivery).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      next_attempt_at: null,
      lease_token: null,
      last_status_code: 204,
    });
    const view = await getDelivery({
      ctx: { db: tdb.db, actor: OPERATOR },
      input: { tenantId: tenant, mode: 'test', id: delivery.id },
    });
    expect(view.attempt_log).toHaveLength(1);
    expect(view.attempt_log[0]).toMatchObject({
      number: 1,
      status_code: 204,
      error_class: null,
      trigger: 'scheduled',
    });
    // Nothing left to do: a second round sends nothing.
    expect(await dispatcher.runOnce()).toBe(0);
  });

  it('signs with both secrets during a rotation, and the old one stops after 24 h', async () => {
    receiver = await startWebhookReceiver();
    const tenant = await makeTenant(tdb);
    const endpoint = await makeEndpoint(tdb, tenant, receiver.url());
    const rotated = await rotateWebhookSecret({
      ctx: { db: tdb.db, vault: VAULT, actor: OPERATOR, allowLoopback: true },
      input: { tenantId: tenant, mode: 'test', id: endpoint.id },
    });
    expect(rotated.secret).not.toBe(endpoint.secret);
    const clock = fakeClock();
    const dispatcher = dispatcherFor(tdb, { now: clock.now });

    await emit(tdb, tenant);
    await dispatcher.runOnce();
    const during = receiver.received[0];
    if (!during) throw new Error('no webhook');
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.secret]) {
      expect(() => new Webhook(secret).verify(during.rawBody, headersOf(during))).not.toThrow();
    }

    clock.advance(24 * 3600_000 + 60_000);
    await emit(tdb, tenant);
    await dispatcher.runOnce();
    const after = receiver.received[1];
    if (!after) throw new Error('no webhook');
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    // The library's ±5 min tolerance is against the real clock; check the signature alone.
    const signed = { ...headersOf(after), 'webhook-timestamp': String(after.headers['webhook-timestamp']) };
    expect(Number(signed['webhook-timestamp'])).toBe(Math.floor(clock.now().getTime() / 1000));
  });
});

describe('the retry schedule (fake clock)', () => {
  it('retries at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with one webhook-id, then fails; a manual retry tries once more', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer(status(500, {}, 'down'));
    const tenant = await makeTenant(tdb);
    const endpoint = await makeEndpoint(tdb, tenant, receiver.url());
    const eventId = await emit(tdb, tenant);
    const clock = fakeClock();
    const dispatcher = dispatcherFor(tdb, { now: clock.now });

    expect(await dispatcher.runOnce()).toBe(1);
    for (const [i, delay] of DELIVERY_SCHEDULE_MS.slice(1).entries()) {
      clock.advance(delay - 1_000);
      expect(await dispatcher.runOnce(), `attempt ${i + 2} is not early`).toBe(0);
      clock.advance(1_000);
      expect(await dispatcher.runOnce(), `attempt ${i + 2} is on time`).toBe(1);
    }
    expect(receiver.received).toHaveLength(8);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([eventId]));
    let delivery = await deliveryOf(tdb, eventId, endpoint.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 8,
      next_attempt_at: null,
      last_status_code: 500,
      last_error: 'http_status',
    });
    clock.advance(24 * 3600_000);
    expect(await dispatcher.runOnce()).toBe(0);

    // Exhausted deliveries stay replayable: one manual attempt, which now succeeds.
    receiver.answer(status(200));
    await retryDelivery({
      ctx: { db: tdb.db, actor: OPERATOR, now: clock.now },
      input: { tenantId: tenant, mode: 'test', id: delivery.id },
    });
    expect(await dispatcher.runOnce()).toBe(1);
    delivery = await deliveryOf(tdb, eventId, endpoint.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 9 });
    expect(receiver.received[8]?.headers['webhook-id']).toBe(eventId);
    const log = await tdb.owner
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', '=', delivery.id)
      .orderBy('number')
      .execute();
    expect(log.map((a) => a.trigger)).toEqual([...Array(8).fill('scheduled'), 'manual']);
    expect(log[0]?.response_body).toBe('down');
  });

  it('a failed manual retry is not retried again', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer(status(502));
    const tenant = await makeTenant(tdb);
    const endpoint = await makeEndpoint(tdb, tenant, receiver.url());
    const eventId = await emit(tdb, tenant);
    const clock = fakeClock();
    const dispatcher = dispatcherFor(tdb, { now: clock.now });
    await dispatcher.runOnce();
    for (const delay of DELIVERY_SCHEDULE_MS.slice(1)) {
      clock.advance(delay);
      await dispatcher.runOnce();
    }
    const delivery = await deliveryOf(tdb, eventId, endpoint.id);
    await retryDelivery({
      ctx: { db: tdb.db, actor: OPERATOR, now: clock.now },
      input: { tenantId: tenant, mode: 'test', id: delivery.id },
    });
    expect(await dispatcher.runOnce()).toBe(1);
    clock.advance(48 * 3600_000);
    expect(await dispatcher.runOnce()).toBe(0);
    expect(await deliveryOf(tdb, eventId, endpoint.id)).toMatchObject({ status: 'failed', attempts: 9 });
  });

  it('honours Retry-After on 429 and 503 as a floor, capped at 10 h', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer(status(429, { 'retry-after': '120' }));
    const tenant = await makeTenant(tdb);
    const endpoint = await makeEndpoint(tdb, tenant, receiver.url());
    const eventId = await emit(tdb, tenant);
    const clock = fakeClock();
    const dispatcher = dispatcherFor(tdb, { now: clock.now });
    const t0 = clock.now().getTime();
    await dispatcher.runOnce();
    let delivery = await deliveryOf(tdb, eventId, endpoint.id);
    expect(delivery.next_attempt_at?.getTime()).toBe(t0 + 120_000);
    clock.advance(60_000);
    expect(await dispatcher.runOnce(), 'not at the 5 s step').toBe(0);
    clock.advance(60_000);
    receiver.answer(status(503, { 'retry-after': String(7 * 24 * 3600) }));
    const t1 = clock.now().getTime();
    expect(await dispatcher.runOnce()).toBe(1);
    delivery = await deliveryOf(tdb, eventId, endpoint.id);
    expect(delivery.next_attempt_at?.getTime()).toBe(t1 + MAX_RETRY_AFTER_MS);
    expect(delivery.last_error).toBe('http_status');
  });

  it('a 3xx is a failure and its Location is never followed', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer((request, response) => {
      if (request.path === '/hooks') response.writeHead(302, { location: '/elsewhere' }).end();
      else response.writeHead(200).end();
    });
    const tenant = await makeTenant(tdb);
    const endpoint = await makeEndpoint(tdb, tenant, receiver.url());
    const eventId = await emit(tdb, tenant);
    await dispatcherFor(tdb).runOnce();
    expect(receiver.received.map((r) => r.path)).toEqual(['/hooks']);
    expect(await deliveryOf(tdb, eventId, endpoint.id)).toMatchObject({
      status: 'pending',
      last_status_code: 302,
      last_error: 'redirect',
    });
  });
});

describe('disabling endpoints', () => {
  it('410 disables the endpoint, tells the tenant through its other endpoints, and keeps later events replayable', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer((request, response) => {
      response.writeHead(request.path === '/gone' ? 410 : 204).end();
    });
    const tenant = await makeTenant(tdb);
    const gone = await makeEndpoint(tdb, tenant, receiver.url('/gone'));
    await makeEndpoint(tdb, tenant, receiver.url('/other'), {
      enabledEvents: ['webhook_endpoint.disabled'],
    });
    const first = await emit(tdb, tenant);
    const dispatcher = dispatcherFor(tdb);

    await dispatcher.runOnce();
    expect(await endpointRow(tdb, gone.id)).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });
    expect(await deliveryOf(tdb, first, gone.id)).toMatchObject({ status: 'failed', last_status_code: 410 });
    const notice = receiver.received.find((r) => r.path === '/other');
    expect(JSON.parse(notice?.rawBody ?? '{}')).toMatchObject({
      type: 'webhook_endpoint.disabled',
      data: { object: { id: gone.id, status: 'disabled', disabled_reason: 'gone' } },
    });

    // While disabled: events are kept, nothing is queued for it.
    const missed = [await emit(tdb, tenant), await emit(tdb, tenant, 'refund.succeeded', { id: 'rfd_1' })];
    expect(await dispatcher.runOnce()).toBe(0);
    const queued = await tdb.owner
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('endpoint_id', '=', gone.id)
      .execute();
    expect(queued).toHaveLength(1);

    // Re-enabled and replayed: every event of the range arrives, each under its own event id.
    receiver.answer(status(204));
    const ctx = { db: tdb.db, vault: VAULT, actor: OPERATOR, allowLoopback: true };
    const enabled = await updateWebhookEndpoint({
      ctx,
      input: { tenantId: tenant, mode: 'test', id: gone.id, status: 'enabled' },
    });
    expect(enabled).toMatchObject({ status: 'enabled', disabled_reason: null });
    const replay = await replayWebhookEvents({
      ctx,
      input: { tenantId: tenant, mode: 'test', id: gone.id, since: new Date(Date.now() - 3600_000) },
    });
    // The three payment/refund events plus the disabled notice itself.
    expect(replay.events).toBe(4);
    const before = receiver.received.length;
    await dispatcher.runOnce();
    const replayed = receiver.received
      .slice(before)
      .filter((r) => r.path === '/gone')
      .map((r) => r.headers['webhook-id']);
    expect(replayed).toEqual(expect.arrayContaining([first, ...missed]));
    expect(await deliveryOf(tdb, first, gone.id)).toMatchObject({ status: 'succeeded' });
  });

  it('five days of nothing but failures disables the endpoint; a success resets the streak', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer(status(500));
    const tenant = await makeTenant(tdb);
    const endpoint = await makeEndpoint(tdb, tenant, receiver.url());
    const clock = fakeClock();
    const dispatcher = dispatcherFor(tdb, { now: clock.now });
    const day = 24 * 3600_000;

    await emit(tdb, tenant);
    await dispatcher.runOnce();
    expect((await endpointRow(tdb, endpoint.id)).failing_since?.getTime()).toBe(clock.now().getTime());
    // …and the tenant sees it on the endpoint.
    expect(toWebhookEndpointView(await endpointRow(tdb, endpoint.id)).failing_since).toBe(
      clock.now().toISOString(),
    );
    // Day 3: one success resets the streak.
    clock.advance(3 * day);
    receiver.answer(status(200));
    await emit(tdb, tenant);
    await dispatcher.runOnce();
    expect((await endpointRow(tdb, endpoint.id)).failing_since).toBeNull();
    // Failing again from day 3; at day 7.9 still enabled; at day 8 + 1 s disabled.
    receiver.answer(status(500));
    await emit(tdb, tenant);
    await dispatcher.runOnce();
    clock.advance(4.9 * day);
    await emit(tdb, tenant);
    await dispatcher.runOnce();
    expect(await endpointRow(tdb, endpoint.id)).toMatchObject({ status: 'enabled' });
    clock.advance(0.1 * day + 1_000);
    await emit(tdb, tenant);
    await dispatcher.runOnce();
    expect(await endpointRow(tdb, endpoint.id)).toMatchObject({
      status: 'disabled',
      disabled_reason: 'failing',
    });
    const notices = await tdb.owner
      .selectFrom('events')
      .select('type')
      .where('object_id', '=', endpoint.id)
      .execute();
    expect(notices).toEqual([{ type: 'webhook_endpoint.disabled' }]);
    // Paused, not dropped: nothing is attempted while disabled, however long.
    clock.advance(10 * day);
    expect(await dispatcher.runOnce()).toBe(0);
  });
});

describe('isolation between endpoints', () => {
  it('a hanging endpoint holds at most its cap of sends and never delays another tenant', async () => {
    receiver = await startWebhookReceiver();
    const release: Array<() => void> = [];
    receiver.answer((request, response) => {
      if (request.path === '/slow') release.push(() => response.writeHead(200).end());
      else response.writeHead(204).end();
    });
    const slowTenant = await makeTenant(tdb);
    const fastTenant = await makeTenant(tdb);
    await makeEndpoint(tdb, slowTenant, receiver.url('/slow'));
    await makeEndpoint(tdb, fastTenant, receiver.url('/fast'));
    for (let i = 0; i < 20; i++) await emit(tdb, slowTenant);
    const dispatcher = dispatcherFor(tdb, {
      perEndpointConcurrency: 3,
      concurrency: 8,
      timeoutMs: 10_000,
      pollIntervalMs: 50,
    });
    await dispatcher.start();
    try {
      await receiver.waitFor(3);
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.received.filter((r) => r.path === '/slow')).toHaveLength(3);
      const emittedAt = Date.now();
      await emit(tdb, fastTenant);
      await receiver.waitFor(4, 3_000);
      const fast = receiver.received.find((r) => r.path === '/fast');
      expect(fast).toBeDefined();
      expect((fast?.receivedAt ?? Infinity) - emittedAt).toBeLessThan(1_000);
      expect(receiver.maxInFlight()).toBeLessThanOrEqual(4);
      for (const done of release.splice(0)) done();
      await receiver.waitFor(7, 5_000);
      expect(receiver.received.filter((r) => r.path === '/slow').length).toBeGreaterThanOrEqual(6);
    } finally {
      for (const done of release.splice(0)) done();
      receiver.answer(status(200));
      await dispatcher.stop();
    }
  });
});

describe('the SSRF guard at connect time', () => {
  it('refuses a name that resolved to a public address at registration and to a private one when connecting', async () => {
    receiver = await startWebhookReceiver();
    const tenant = await makeTenant(tdb);
    const port = new URL(receiver.url()).port;
    for (const address of ['127.0.0.1', '10.0.0.7', '169.254.169.254']) {
      const endpoint = await makeEndpoint(tdb, tenant, `http://hooks.shop.test:${port}/hooks`, {
        allowLoopback: false,
        lookup: async () => [{ address: '93.184.216.34', family: 4 }],
      });
      const eventId = await emit(tdb, tenant);
      const dispatcher = dispatcherFor(tdb, {
        allowLoopback: false,
        lookup: async () => [{ address, family: 4 }],
      });
      await dispatcher.runOnce();
      expect(await deliveryOf(tdb, eventId, endpoint.id)).toMatchObject({
        status: 'pending',
        last_status_code: null,
        last_error: 'address_refused',
      });
      await updateWebhookEndpoint({
        ctx: { db: tdb.db, vault: VAULT, actor: OPERATOR, allowLoopback: true },
        input: { tenantId: tenant, mode: 'test', id: endpoint.id, status: 'disabled' },
      });
    }
    expect(receiver.received).toHaveLength(0);
  });
});
