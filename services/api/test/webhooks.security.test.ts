import { randomUUID } from 'node:crypto';
import { withTenant } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { appendEvent, createWebhookEndpoint, OPERATOR } from '@paymux/operations';
import { afterAll, beforeAll, describe } from 'vitest';
import { runCommonRouteTests, type SuiteContext } from './support/common-route-tests.ts';
import {
  closedLoopbackPort,
  startWebhookReceiver,
  TEST_VAULT,
  testApp,
  type WebhookReceiver,
} from './support/fixtures.ts';

// Every webhook route through the shared security suite. Test-mode endpoints point at a real
// local receiver answering 204 (loopback is allowed in this app); live ones must be https, so
// they point at a loopback port nothing listens on, and a test send to them fails fast.
let tdb: TestDatabase;
let receiver: WebhookReceiver;
let closedPort: number;
beforeAll(async () => {
  tdb = await createTestDatabase();
  receiver = await startWebhookReceiver(204);
  closedPort = await closedLoopbackPort();
});
afterAll(async () => {
  await receiver.close();
  await tdb.close();
});

const appUnderTest = () => ({
  tdb,
  app: testApp(tdb, { webhooks: { allowLoopback: true, testTimeoutMs: 2000 } }).app,
});

/** A new endpoint of `tenantId` in `mode`, created through the verb the API uses. */
async function newEndpoint(tenantId: string, mode: 'test' | 'live'): Promise<string> {
  const url = mode === 'live' ? `https://127.0.0.1:${closedPort}/hook` : `${receiver.url}/hook`;
  const endpoint = await createWebhookEndpoint({
    ctx: { db: tdb.db, vault: TEST_VAULT, actor: OPERATOR, allowLoopback: true },
    input: { tenantId, mode, url, description: 'security suite' },
  });
  return endpoint.id;
}

/**
 * An existing enabled endpoint, or a new one. The suite builds the path once per refused
 * request (about fifteen times); reusing one endpoint keeps the tenant under the cap of 16.
 */
async function someEndpoint(tenantId: string, mode: 'test' | 'live'): Promise<string> {
  const existing = await tdb.owner
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('mode', '=', mode)
    .where('status', '=', 'enabled')
    .orderBy('id')
    .executeTakeFirst();
  return (existing?.id as string | undefined) ?? (await newEndpoint(tenantId, mode));
}

const endpointPath =
  (suffix = '') =>
  async (_ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') =>
    `/v1/webhook_endpoints/${await newEndpoint(tenantId, mode)}${suffix}`;
const ownEndpointPath =
  (suffix = '') =>
  async (ctx: SuiteContext) =>
    `/v1/webhook_endpoints/${await someEndpoint(ctx.tenantA, 'test')}${suffix}`;

/** A delivery of a fresh endpoint of `tenantId` in `mode`: an event appended the way every flow does. */
async function newDelivery(tenantId: string, mode: 'test' | 'live'): Promise<string> {
  const endpointId = await newEndpoint(tenantId, mode);
  const event = await withTenant(tdb.db, tenantId, (trx) =>
    appendEvent(trx, {
      tenantId,
      mode,
      type: 'payment.succeeded',
      objectId: `pay_${randomUUID()}`,
      data: { object: { object: 'payment', status: 'succeeded' } },
    }),
  );
  const delivery = await tdb.owner
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('event_id', '=', event.id)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirstOrThrow();
  return delivery.id as string;
}

/** An existing delivery of tenant A in test mode, or a new one (see someEndpoint). */
async function someDelivery(ctx: SuiteContext): Promise<string> {
  const existing = await tdb.owner
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('tenant_id', '=', ctx.tenantA)
    .where('mode', '=', 'test')
    .orderBy('id')
    .executeTakeFirst();
  return (existing?.id as string | undefined) ?? (await newDelivery(ctx.tenantA, 'test'));
}

const deliveryPath =
  (suffix = '') =>
  async (_ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') =>
    `/v1/deliveries/${await newDelivery(tenantId, mode)}${suffix}`;

const scope = 'webhooks:manage' as const;

describe('POST /v1/webhook_endpoints', () => {
  runCommonRouteTests(() => tdb, {
    method: 'POST',
    path: () => '/v1/webhook_endpoints',
    scope,
    app: appUnderTest,
    body: () => ({ url: `${receiver.url}/created`, enabled_events: ['payment.succeeded'] }),
  });
});

describe('GET /v1/webhook_endpoints', () => {
  runCommonRouteTests(() => tdb, {
    method: 'GET',
    path: () => '/v1/webhook_endpoints',
    scope,
    app: appUnderTest,
  });
});

describe('GET /v1/webhook_endpoints/{id}', () => {
  runCommonRouteTests(() => tdb, {
    method: 'GET',
    scope,
    app: appUnderTest,
    path: ownEndpointPath(),
    objectPath: endpointPath(),
  });
});

describe('PATCH /v1/webhook_endpoints/{id}', () => {
  runCommonRouteTests(() => tdb, {
    method: 'PATCH',
    scope,
    app: appUnderTest,
    path: ownEndpointPath(),
    objectPath: endpointPath(),
    body: () => ({ description: 'renamed by the suite' }),
  });
});

describe('DELETE /v1/webhook_endpoints/{id}', () => {
  runCommonRouteTests(() => tdb, {
    method: 'DELETE',
    scope,
    app: appUnderTest,
    path: ownEndpointPath(),
    objectPath: endpointPath(),
  });
});

describe('POST /v1/webhook_endpoints/{id}/rotate_secret', () => {
  runCommonRouteTests(() => tdb, {
    method: 'POST',
    scope,
    app: appUnderTest,
    path: ownEndpointPath('/rotate_secret'),
    objectPath: endpointPath('/rotate_secret'),
  });
});

describe('POST /v1/webhook_endpoints/{id}/test', () => {
  runCommonRouteTests(() => tdb, {
    method: 'POST',
    scope,
    app: appUnderTest,
    path: ownEndpointPath('/test'),
    objectPath: endpointPath('/test'),
  });
});

describe('POST /v1/webhook_endpoints/{id}/replay', () => {
  runCommonRouteTests(() => tdb, {
    method: 'POST',
    scope,
    app: appUnderTest,
    path: ownEndpointPath('/replay'),
    objectPath: endpointPath('/replay'),
    body: () => ({ since: new Date(Date.now() - 3_600_000).toISOString() }),
  });
});

describe('GET /v1/deliveries', () => {
  runCommonRouteTests(() => tdb, { method: 'GET', path: () => '/v1/deliveries', scope, app: appUnderTest });
});

describe('GET /v1/deliveries/{id}', () => {
  runCommonRouteTests(() => tdb, {
    method: 'GET',
    scope,
    app: appUnderTest,
    path: async (ctx) => `/v1/deliveries/${await someDelivery(ctx)}`,
    objectPath: deliveryPath(),
  });
});

describe('POST /v1/deliveries/{id}/retry', () => {
  runCommonRouteTests(() => tdb, {
    method: 'POST',
    scope,
    app: appUnderTest,
    path: async (ctx) => `/v1/deliveries/${await someDelivery(ctx)}/retry`,
    objectPath: deliveryPath('/retry'),
  });
});
