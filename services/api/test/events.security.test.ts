import { randomUUID } from 'node:crypto';
import {
  createPayment,
  httpSandboxProvisioner,
  OPERATOR,
  simulatePayer,
  syncPayment,
} from '@paymux/operations';
import { sandboxEndpoints } from '@paymux/providers';
import { afterAll, beforeAll, describe } from 'vitest';
import { runCommonRouteTests, type SuiteContext } from './support/common-route-tests.ts';
import { TEST_VAULT } from './support/fixtures.ts';
import { giveSandboxAccounts, type SandboxedApi, startSandboxedApi } from './support/sandbox-app.ts';

// The events routes against the real sandbox, for both modes (live accounts are pointed at
// the sandbox too, so a live payment can be paid and produce a live event).
let api: SandboxedApi;
beforeAll(async () => {
  api = await startSandboxedApi({ liveToSandbox: true });
}, 60_000);
afterAll(() => api.close());

const appUnderTest = () => ({ tdb: api.server.tdb, app: api.app });
const setup = async (ctx: SuiteContext) => {
  for (const tenant of [ctx.tenantA, ctx.tenantB]) {
    for (const mode of ['test', 'live'] as const) await giveSandboxAccounts(api, tenant, mode);
  }
};
const ctxFor = () => ({
  db: api.server.tdb.db,
  vault: TEST_VAULT,
  endpoints: { live: sandboxEndpoints(api.server.sandboxUrl), test: sandboxEndpoints(api.server.sandboxUrl) },
  publicUrl: api.server.origin,
  actor: OPERATOR,
});

/** Creates and pays a payment owned by `tenantId` in `mode`; returns its payment.succeeded event id. */
const paidPaymentEvent = async (tenantId: string, mode: 'test' | 'live'): Promise<string> => {
  const payment = await createPayment({
    ctx: ctxFor(),
    input: {
      tenantId,
      mode,
      amount: 500,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: 'suite',
      merchant_order_id: `suite-${randomUUID().slice(0, 12)}`,
    },
  });
  const sandbox = httpSandboxProvisioner({ sandboxUrl: api.server.sandboxUrl });
  if (mode === 'test') {
    await simulatePayer({
      ctx: { ...ctxFor(), sandbox },
      input: { tenantId, mode, id: payment.id, outcome: 'pay' },
    });
  } else {
    // simulatePayer is test-mode only: pay the (sandbox-backed) live order directly, then sync.
    const merchant = await api.server.tdb.owner
      .selectFrom('merchant_accounts')
      .select('identifiers')
      .where('id', '=', payment.merchant_account)
      .executeTakeFirstOrThrow();
    await sandbox.settleOrder(
      'alipay',
      String((merchant.identifiers as { app_id: string }).app_id),
      payment.id,
      'pay',
    );
    await syncPayment({ ctx: ctxFor(), input: { tenantId, mode, id: payment.id } });
  }
  const event = await api.server.tdb.owner
    .selectFrom('events')
    .select('id')
    .where('object_id', '=', payment.id)
    .where('type', '=', 'payment.succeeded')
    .executeTakeFirstOrThrow();
  return event.id;
};
const eventPath = async (_ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') =>
  `/v1/events/${await paidPaymentEvent(tenantId, mode)}`;

describe('GET /v1/events', () => {
  runCommonRouteTests(() => api.server.tdb, {
    method: 'GET',
    path: () => '/v1/events',
    scope: 'payments:read',
    app: appUnderTest,
    setup,
  });
});

describe('GET /v1/events/{id}', () => {
  runCommonRouteTests(() => api.server.tdb, {
    method: 'GET',
    scope: 'payments:read',
    app: appUnderTest,
    setup,
    path: (ctx) => eventPath(ctx, ctx.tenantA, 'test'),
    objectPath: eventPath,
  });
});

describe('GET /v1/payments/{id}/timeline', () => {
  const timelinePath = async (_ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') => {
    const payment = await createPayment({
      ctx: ctxFor(),
      input: {
        tenantId,
        mode,
        amount: 500,
        currency: 'CNY',
        channel: 'alipay.qr',
        description: 'suite',
        merchant_order_id: `suite-${randomUUID().slice(0, 12)}`,
      },
    });
    return `/v1/payments/${payment.id}/timeline`;
  };
  runCommonRouteTests(() => api.server.tdb, {
    method: 'GET',
    scope: 'payments:read',
    app: appUnderTest,
    setup,
    path: (ctx) => timelinePath(ctx, ctx.tenantA, 'test'),
    objectPath: timelinePath,
  });
});
