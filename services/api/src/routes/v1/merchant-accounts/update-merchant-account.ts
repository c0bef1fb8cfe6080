import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { updateMerchantAccount } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { MerchantAccountIdParam } from './id-param.ts';
import { CredentialsSchema, MerchantAccountSchema } from './merchant-account-schema.ts';

const Body = z
  .object({
    display_name: z.string().min(1).max(200).optional(),
    is_default: z.literal(true).optional(),
    status: z.enum(['active', 'disabled']).optional(),
    credentials: CredentialsSchema.optional(),
  })
  .strict()
  .openapi('UpdateMerchantAccount');

/** PATCH /v1/merchant_accounts/{id}: new credentials replace the old ones entirely. */
export function registerUpdateMerchantAccount(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'patch',
    path: '/v1/merchant_accounts/{id}',
    tags: ['Merchant accounts'],
    summary: 'Update a merchant account',
    security: [{ bearer: [] }],
    middleware: [requireScope('merchant_accounts:write')] as const,
    request: {
      params: MerchantAccountIdParam,
      body: { required: true, content: { 'application/json': { schema: Body } } },
    },
    responses: {
      200: { description: 'Updated', content: { 'application/json': { schema: MerchantAccountSchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const account = await updateMerchantAccount({
      ctx: {
        db: deps.db,
        vault: deps.vault,
        actor: { type: 'api_key', id: auth.keyId },
        requestId: c.get('requestId'),
      },
      input: { tenantId: auth.tenantId, mode: auth.mode, id, ...c.req.valid('json') },
    });
    deps.credentialCache?.drop(auth.tenantId, id);
    return c.json(account, 200);
  });
}
