import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { isId, PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { MerchantAccountSchema, toMerchantAccount } from './merchant-account-schema.ts';

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
    request: { params: z.object({ id: z.string().openapi({ example: 'mca_01jx…' }) }) },
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
    const notFound = new PaymuxError('not_found', `No such merchant account: ${id}`);
    if (!isId('mca', id)) throw notFound;
    const row = await withTenant(deps.db, auth.tenantId, (trx) =>
      trx
        .selectFrom('merchant_accounts')
        .selectAll()
        .where('tenant_id', '=', auth.tenantId)
        .where('mode', '=', auth.mode)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (!row) throw notFound;
    return c.json(toMerchantAccount(row), 200);
  });
}
