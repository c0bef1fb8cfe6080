import { randomUUID } from 'node:crypto';
import {
  createPayment,
  createRefund,
  httpSandboxProvisioner,
  OPERATOR,
  simulatePayer,
} from '@paymux/operations';
import { sandboxEndpoints } from '@paymux/providers';
import { afterAll, beforeAll, describe } from 'vitest';
import { runCommonRouteTests, type SuiteContext } from './support/common-route-tests.ts';
import { TEST_VAULT } from './support/fixtures.ts';
import { giveSandboxAccounts, type SandboxedApi, startSandboxedApi } from './support/sandbox-app.ts';

// Payment routes against the real sandbox, for both modes (live accounts are pointed at
// the sandbox too, so every positive control can succeed).
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
const newPayment = async (tenantId: string, mode: 'test' | 'live') =>
  await createPayment({
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
const paidPayment = async (tenantId: string, mode: 'test' | 'live') => {
  const payment = await newPayment(tenantId, mode);
  const sandbox = httpSandboxProvisioner({ sandboxUrl: api.server.sandboxUrl });
  if (mode === 'test') {
    await simulatePayer({
      ctx: { ...ctxFor(), sandbox },
      input: { tenantId, mode, id: payment.id, outcome: 'pay' },
    });
  } else {
    // simulatePayer is test-mode only; pay the live (sandbox-backed) order directly, then sync.
    const { syncPayment } = await import('@paymux/operations');
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
  return payment;
};
const paymentPath = async (_ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') =>
  `/v1/payments/${(await newPayment(tenantId, mode)).id}`;

describe('POST /v1/payments', () => {
  runCommonRouteTests(() => api.server.tdb, {
    method: 'POST',
    path: () => '/v1/payments',
    scope: 'payments:write',
    app: appUnderTest,
    setup,
    body: () => ({
      amount: 100,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: 'suite',
      merchant_order_id: `suite-${randomUUID().slice(0, 12)}`,
    }),
  });
});

describe('GET /v1/payments', () => {
  runCommonRouteTests(() => api.server.tdb, {
    method: 'GET',
    path: () => '/v1/payments',
    scope: 'payments:read',
    app: appUnderTest,
    setup,
  });
});

describe('GET /v1/payments/{id}', () => {
  runCommonRouteTests(() => api.server.tdb, {
    method: 'GET',
    scope: 'payments:read',
    app: appUnderTest,
    setup,
    path: (ctx) => paymentPath(ctx, ctx.tenantA, 'test'),
    objectPath: paymentPath,
  });
});

describe('POST /v1/payments/{id}/close', () => {
  const closePath = async (ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') =>
    `${await paymentPath(ctx, tenantId, mode)}/close`;
  runCommonRouteTests(() => api.server.tdb, {
    method: 'POST',
    scope: 'payments:write',
    app: appUnderTest,
    setup,
    path: (ctx) => closePath(ctx, ctx.tenantA, 'test'),
    objectPath: closePath,
  });
});

describe('POST /v1/test_helpers/payments/{id}/pay', () => {
  const helperPath = async (_ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') =>
    `/v1/test_helpers/payments/${(await newPayment(tenantId, mode)).id}/pay`;
  runCommonRouteTests(() => api.server.tdb, {
    method: 'POST',
    scope: 'payments:write',
    app: appUnderTest,
    setup,
    testModeOnly: true,
    path: (ctx) => helperPath(ctx, ctx.tenantA, 'test'),
    objectPath: helperPath,
  });
});

describe('POST /v1/refunds', () => {
  runCommonRouteTests(() => api.server.tdb, {
    method: 'POST',
    path: () => '/v1/refunds',
    scope: 'refunds:write',
    app: appUnderTest,
    setup,
    body: async (ctx) => ({ payment: (await paidPayment(ctx.tenantA, 'test')).id, amount: 100 }),
  });
});

describe('GET /v1/refunds', () => {
  runCommonRouteTests(() => api.server.tdb, {
    method: 'GET',
    path: () => '/v1/refunds',
    scope: 'refunds:read',
    app: appUnderTest,
    setup,
  });
});

describe('GET /v1/refunds/{id}', () => {
  const refundPath = async (_ctx: SuiteContext, tenantId: string, mode: 'test' | 'live') => {
    const payment = await paidPayment(tenantId, mode);
    const refund = await createRefund({
      ctx: ctxFor(),
      input: { tenantId, mode, payment: payment.id, amount: 100 },
    });
    return `/v1/refunds/${refund.id}`;
  };
  runCommonRouteTests(() => api.server.tdb, {
    method: 'GET',
    scope: 'refunds:read',
    app: appUnderTest,
    setup,
    path: (ctx) => refundPath(ctx, ctx.tenantA, 'test'),
    objectPath: refundPath,
  });
});
