import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { deleteMerchantAccount } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { MerchantAccountIdParam } from './id-param.ts';

const Deleted = z
  .object({ id: z.string(), object: z.literal('merchant_account'), deleted: z.literal(true) })
  .openapi('DeletedMerchantAccount');

/** DELETE /v1/merchant_accounts/{id}: stops routing at once; its credentials are destroyed. */
export function registerDeleteMerchantAccount(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'delete',
    path: '/v1/merchant_accounts/{id}',
    tags: ['Merchant accounts'],
    summary: 'Delete a merchant account',
    security: [{ bearer: [] }],
    middleware: [requireScope('merchant_accounts:write')] as const,
    request: { params: MerchantAccountIdParam },
    responses: {
      200: { description: 'Deleted', content: { 'application/json': { schema: Deleted } } },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    await deleteMerchantAccount({
      ctx: { db: deps.db, actor: { type: 'api_key', id: auth.keyId }, requestId: c.get('requestId') },
      input: { tenantId: auth.tenantId, mode: auth.mode, id },
    });
    deps.credentialCache?.drop(auth.tenantId, id);
    return c.json({ id, object: 'merchant_account' as const, deleted: true as const }, 200);
  });
}
