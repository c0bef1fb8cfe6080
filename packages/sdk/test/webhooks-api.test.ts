import { randomUUID } from 'node:crypto';
import { withTenant } from '@paymux/db';
import { appendEvent } from '@paymux/operations';
import { WebhookDispatcher } from '@paymux/worker';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_VAULT, type TestKey } from '../../../services/api/test/support/fixtures.ts';
import {
  type EventData,
  type Payment,
  Paymux,
  PaymuxError,
  verifyWebhook,
  type WebhookEndpointWithSecret,
} from '../src/index.ts';
import { type ApiServer, apiKeyFile, startApiServer, tenantWithKey } from './support/api-server.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// Webhook endpoints and deliveries through the SDK, against the real API on a real database,
// with the real dispatcher sending to a real HTTP server on loopback (allowed for tests only).

let api: ApiServer;
let receiver: WebhookReceiver;
let dispatcher: WebhookDispatcher;

beforeAll(async () => {
  api = await startApiServer({ webhooks: { allowLoopback: true } });
  receiver = await startWebhookReceiver();
  dispatcher = new WebhookDispatcher({
    db: api.tdb.db,
    vault: TEST_VAULT,
    logger: pino({ level: 'silent' }),
    allowLoopback: true,
  });
});
afterAll(async () => {
  await receiver?.close();
  await api?.close();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.respondWith(204);
});

async function shop(): Promise<{ paymux: Paymux; tenantId: string; key: TestKey }> {
  const { tenantId, key } = await tenantWithKey(api);
  return { paymux: new Paymux({ privateKey: apiKeyFile(key), baseUrl: api.url }), tenantId, key };
}

/** A payment.succeeded event the way the payment flows append it: the snapshot is the event's data. */
async function paymentSucceeded(tenantId: string): Promise<{ eventId: string; paymentId: string }> {
  const paymentId = `pay_${randomUUID().replaceAll('-', '').slice(0, 26)}`;
  const snapshot = { id: paymentId, object: 'payment', status: 'succeeded', amount: 1288, currency: 'CNY' };
  const event = await withTenant(api.tdb.db, tenantId, (trx) =>
    appendEvent(trx, {
      tenantId,
      mode: 'test',
      type: 'payment.succeeded',
      objectId: paymentId,
      data: snapshot,
    }),
  );
  return { eventId: event.id, paymentId };
}

function lastReceived() {
  const request = receiver.received.at(-1);
  if (!request) throw new Error('the receiver got nothing');
  return request;
}

describe('webhookEndpoints through the SDK', () => {
  it('create returns the secret once, with the disabled and rotation fields; retrieve never shows it', async () => {
    const { paymux } = await shop();
    const created = await paymux.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['payment.succeeded'],
      description: 'orders service',
    });
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      url: receiver.url,
      enabled_events: ['payment.succeeded'],
      description: 'orders service',
      status: 'enabled',
      disabled_reason: null,
      disabled_at: null,
      previous_secret_expires_at: null,
      livemode: false,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { secret: _secret, ...shown } = created;
    await expect(paymux.webhookEndpoints.retrieve(created.id)).resolves.toEqual(shown);

    const cleared = await paymux.webhookEndpoints.update(created.id, { description: null });
    expect(cleared.description).toBeNull();
  });

  it('test() sends a signed webhook_endpoint.test and reports status and timing, never the body', async () => {
    const { paymux } = await shop();
    const endpoint = await paymux.webhookEndpoints.create({ url: receiver.url });

    const ok = await paymux.webhookEndpoints.test(endpoint.id);
    expect(ok).toEqual({
      object: 'webhook_test',
      webhook_endpoint: endpoint.id,
      succeeded: true,
      status_code: 204,
      latency_ms: expect.any(Number),
      error_class: null,
    });
    const request = lastReceived();
    const event = verifyWebhook<EventData<{ id: string }>>(request.body, request.headers, endpoint.secret);
    expect(event.type).toBe('webhook_endpoint.test');
    expect(event.id).toBe(request.headers['webhook-id']);
    expect(event.data.object.id).toBe(endpoint.id);

    receiver.respondWith(500, 'database is down');
    const failed = await paymux.webhookEndpoints.test(endpoint.id);
    expect(failed).toMatchObject({ succeeded: false, status_code: 500, error_class: 'http_status' });
    expect(JSON.stringify(failed)).not.toContain('database is down');
  });

  it('rotateSecret signs with both secrets for 24 h, so either one verifies', async () => {
    const { paymux } = await shop();
    const endpoint = await paymux.webhookEndpoints.create({ url: receiver.url });
    const before = Date.now();
    const rotated = await paymux.webhookEndpoints.rotateSecret(endpoint.id);
    expect(rotated.secret).not.toBe(endpoint.secret);
    const expires = Date.parse(rotated.previous_secret_expires_at ?? '');
    expect(expires - before).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(expires - before).toBeLessThanOrEqual(24 * 3600_000 + 60_000);

    await paymux.webhookEndpoints.test(endpoint.id);
    const request = lastReceived();
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [rotated.secret, endpoint.secret]) {
      expect(verifyWebhook(request.body, request.headers, secret).type).toBe('webhook_endpoint.test');
    }
    expect(verifyWebhook(request.body, request.headers, [rotated.secret, endpoint.secret]).id).toBe(
      request.headers['webhook-id'],
    );
  });

  it('disabling is manual with its reason, filterable, and blocks replay with a 409 until re-enabled', async () => {
    const { paymux } = await shop();
    const endpoint = await paymux.webhookEndpoints.create({ url: receiver.url });
    const disabled = await paymux.webhookEndpoints.update(endpoint.id, { status: 'disabled' });
    expect(disabled).toMatchObject({ status: 'disabled', disabled_reason: 'manual' });
    expect(Date.parse(disabled.disabled_at ?? '')).not.toBeNaN();
    const listed = await paymux.webhookEndpoints.list({ status: 'disabled' });
    expect(listed.data.map((e) => e.id)).toEqual([endpoint.id]);
    expect((await paymux.webhookEndpoints.list({ status: 'enabled' })).data).toEqual([]);

    const refused = await paymux.webhookEndpoints
      .replay(endpoint.id, { since: new Date(Date.now() - 3600_000) })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PaymuxError);
    expect(refused).toMatchObject({ status: 409, code: 'conflict', retryable: false });

    const enabled = await paymux.webhookEndpoints.update(endpoint.id, { status: 'enabled' });
    expect(enabled).toMatchObject({ status: 'enabled', disabled_reason: null, disabled_at: null });
  });
});

describe('deliveries through the SDK', () => {
  it('list, retrieve with the attempt log, retry once, and replay with the same webhook-id', async () => {
    const { paymux, tenantId } = await shop();
    const endpoint: WebhookEndpointWithSecret = await paymux.webhookEndpoints.create({ url: receiver.url });
    const startedAt = new Date(Date.now() - 1000);
    const { eventId, paymentId } = await paymentSucceeded(tenantId);

    const queued = await paymux.deliveries.list({ webhook_endpoint: endpoint.id });
    expect(queued.data).toHaveLength(1);
    const delivery = queued.data[0];
    if (!delivery) throw new Error('no delivery was queued');
    expect(delivery).toMatchObject({
      object: 'delivery',
      event: eventId,
      webhook_endpoint: endpoint.id,
      status: 'pending',
      attempts: 0,
      response_status: null,
      last_error: null,
      livemode: false,
    });

    expect(await dispatcher.runOnce()).toBe(1);
    const request = lastReceived();
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe(eventId);
    expect(Object.keys(JSON.parse(request.body.toString('utf8')))).toEqual([
      'id',
      'type',
      'timestamp',
      'data',
    ]);
    const event = verifyWebhook<EventData<Payment>>(request.body, request.headers, endpoint.secret);
    expect(event).toMatchObject({ id: eventId, type: 'payment.succeeded' });
    expect(event.data.object).toMatchObject({ id: paymentId, status: 'succeeded', amount: 1288 });
    // The same webhook, as the standardwebhooks npm package (docs/webhooks.md) sees it.
    expect(
      new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>),
    ).toEqual(event);

    const delivered = await paymux.deliveries.retrieve(delivery.id);
    expect(delivered).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      response_status: 204,
      last_error: null,
    });
    expect(delivered.attempt_log).toEqual([
      expect.objectContaining({ number: 1, trigger: 'scheduled', status_code: 204, error_class: null }),
    ]);

    // A finished delivery gets exactly one more attempt when retried; this one fails and stays failed.
    receiver.respondWith(500, 'out of stock service down');
    const retried = await paymux.deliveries.retry(delivery.id);
    expect(retried).toMatchObject({ id: delivery.id, status: 'pending' });
    expect(await dispatcher.runOnce()).toBe(1);
    const failed = await paymux.deliveries.retrieve(delivery.id);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 2,
      response_status: 500,
      last_error: 'http_status',
    });
    expect(failed.next_attempt_at).toBeNull();
    expect(failed.attempt_log[0]).toMatchObject({
      number: 2,
      trigger: 'manual',
      status_code: 500,
      error_class: 'http_status',
      response_body: 'out of stock service down',
    });
    expect(
      (await paymux.deliveries.list({ status: 'failed', event: eventId })).data.map((d) => d.id),
    ).toEqual([delivery.id]);

    // Replay starts a fresh schedule; the webhook-id is still the event id.
    receiver.respondWith(204);
    const replay = await paymux.webhookEndpoints.replay(endpoint.id, { since: startedAt });
    expect(replay).toEqual({ object: 'webhook_replay', webhook_endpoint: endpoint.id, events: 1 });
    expect(await dispatcher.runOnce()).toBe(1);
    expect(lastReceived().headers['webhook-id']).toBe(eventId);
    await expect(paymux.deliveries.retrieve(delivery.id)).resolves.toMatchObject({
      status: 'succeeded',
      attempts: 3,
    });
  });

  it('a 410 disables the endpoint as gone and tells the tenant’s other endpoints', async () => {
    const { paymux, tenantId } = await shop();
    const gone = await paymux.webhookEndpoints.create({
      url: `${receiver.url}?gone`,
      enabled_events: ['payment.succeeded'],
    });
    const watcher = await paymux.webhookEndpoints.create({
      url: `${receiver.url}?watcher`,
      enabled_events: ['webhook_endpoint.disabled'],
    });
    receiver.respondWith(410, '', new URL(gone.url).pathname + new URL(gone.url).search);
    await paymentSucceeded(tenantId);
    // The 410, then the webhook_endpoint.disabled event it caused, to the watcher.
    expect(await dispatcher.runOnce()).toBe(2);

    const disabled = await paymux.webhookEndpoints.retrieve(gone.id);
    expect(disabled).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });
    const [failed] = (await paymux.deliveries.list({ webhook_endpoint: gone.id })).data;
    expect(failed).toMatchObject({ status: 'failed', response_status: 410, next_attempt_at: null });

    const request = lastReceived();
    expect(request.path).toBe('/webhooks/paymux?watcher');
    const event = verifyWebhook<EventData<{ id: string; disabled_reason: string }>>(
      request.body,
      request.headers,
      watcher.secret,
    );
    expect(event.type).toBe('webhook_endpoint.disabled');
    expect(event.data.object).toMatchObject({ id: gone.id, status: 'disabled', disabled_reason: 'gone' });
  });
});
