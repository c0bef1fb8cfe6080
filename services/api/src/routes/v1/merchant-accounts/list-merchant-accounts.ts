import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { isId } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { toMerchantAccountView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses } from '../../schemas.ts';
import { paged } from '../list-query.ts';
import { MerchantAccountSchema } from './merchant-account-schema.ts';

const Query = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    starting_after: z
      .string()
      .refine((v) => isId('mca', v), 'must be a merchant account id')
      .optional(),
    provider: z.enum(['wechatpay', 'alipay']).optional(),
  })
  .strict();

/** GET /v1/merchant_accounts: the calling key's mode only, cursor-paginated by id. */
export function registerListMerchantAccounts(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/merchant_accounts',
    tags: ['Merchant accounts'],
    summary: 'List merchant accounts',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:read')] as const,
    request: { query: Query },
    responses: {
      200: {
        description: 'A page of merchant accounts',
        content: {
          'application/json': {
            schema: z.object({
              object: z.literal('list'),
              data: z.array(MerchantAccountSchema),
              has_more: z.boolean(),
            }),
          },
        },
      },
      ...authErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const query = c.req.valid('query');
    const rows = await withTenant(deps.db, auth.tenantId, (trx) => {
      let q = paged(trx.selectFrom('merchant_accounts').selectAll(), auth, query).where(
        'deleted_at',
        'is',
        null,
      );
      if (query.provider) q = q.where('provider', '=', query.provider);
      return q.execute();
    });
    return c.json(
      {
        object: 'list' as const,
        data: rows.slice(0, query.limit).map(toMerchantAccountView),
        has_more: rows.length > query.limit,
      },
      200,
    );
  });
}
