import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { withTenant } from '@paymux/db';
import { findMerchantAccount, toMerchantAccountView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { MerchantAccountIdParam } from './id-param.ts';
import { MerchantAccountSchema } from './merchant-account-schema.ts';

/** GET /v1/merchant_accounts/{id}: another tenant's or another mode's id is a 404, never a 403. */
export function registerGetMerchantAccount(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/merchant_accounts/{id}',
    tags: ['Merchant accounts'],
    summary: 'Retrieve a merchant account',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:read')] as const,
    request: { params: MerchantAccountIdParam },
    responses: {
      200: {
        description: 'The merchant account',
        content: { 'application/json': { schema: MerchantAccountSchema } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const row = await withTenant(deps.db, auth.tenantId, (trx) => findMerchantAccount(trx, auth, id));
    return c.json(toMerchantAccountView(row), 200);
  });
}
