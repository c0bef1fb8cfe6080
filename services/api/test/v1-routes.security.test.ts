import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { testAlipayCredentials } from '@paymux/providers/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { runCommonRouteTests } from './support/common-route-tests.ts';
import { insertMerchantAccount } from './support/fixtures.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.close());

describe('GET /v1/whoami', () => {
  runCommonRouteTests(() => tdb, { method: 'GET', path: () => '/v1/whoami', scope: 'payments:read' });
});

describe('GET /v1/merchant_accounts', () => {
  runCommonRouteTests(() => tdb, {
    method: 'GET',
    path: () => '/v1/merchant_accounts',
    scope: 'payments:read',
  });
});

describe('GET /v1/merchant_accounts/{id}', () => {
  const objectPath = async (ctx: { tdb: TestDatabase }, tenantId: string, mode: 'test' | 'live') =>
    `/v1/merchant_accounts/${await insertMerchantAccount(ctx.tdb, tenantId, mode)}`;
  runCommonRouteTests(() => tdb, {
    method: 'GET',
    scope: 'payments:read',
    path: (ctx) => objectPath(ctx, ctx.tenantA, 'test'),
    objectPath,
  });
});

describe('POST /v1/merchant_accounts', () => {
  runCommonRouteTests(() => tdb, {
    method: 'POST',
    path: () => '/v1/merchant_accounts',
    scope: 'merchant_accounts:write',
    body: () => ({
      provider: 'alipay',
      display_name: 'Security suite',
      credentials: testAlipayCredentials(),
    }),
  });
});

describe('PATCH /v1/merchant_accounts/{id}', () => {
  const objectPath = async (ctx: { tdb: TestDatabase }, tenantId: string, mode: 'test' | 'live') =>
    `/v1/merchant_accounts/${await insertMerchantAccount(ctx.tdb, tenantId, mode)}`;
  runCommonRouteTests(() => tdb, {
    method: 'PATCH',
    scope: 'merchant_accounts:write',
    path: (ctx) => objectPath(ctx, ctx.tenantA, 'test'),
    body: () => ({ display_name: 'x' }),
    objectPath,
  });
});

describe('DELETE /v1/merchant_accounts/{id}', () => {
  const objectPath = async (ctx: { tdb: TestDatabase }, tenantId: string, mode: 'test' | 'live') =>
    `/v1/merchant_accounts/${await insertMerchantAccount(ctx.tdb, tenantId, mode)}`;
  runCommonRouteTests(() => tdb, {
    method: 'DELETE',
    scope: 'merchant_accounts:write',
    path: (ctx) => objectPath(ctx, ctx.tenantA, 'test'),
    objectPath,
  });
});
