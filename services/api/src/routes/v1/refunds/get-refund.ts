import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { withTenant } from '@paymux/db';
import { findRefund, toRefundView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { RefundIdParam, RefundSchema } from './refund-schema.ts';

/** GET /v1/refunds/{id} */
export function registerGetRefund(app: OpenAPIHono<AppEnv>, requireScope: RequireScope, deps: AppDeps): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/refunds/{id}',
    tags: ['Refunds'],
    summary: 'Retrieve a refund',
    security: [{ bearer: [] }],
    middleware: [requireScope('refunds:read')] as const,
    request: { params: RefundIdParam },
    responses: {
      200: { description: 'The refund', content: { 'application/json': { schema: RefundSchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const row = await withTenant(deps.db, auth.tenantId, (trx) =>
      findRefund(trx, auth, c.req.valid('param').id),
    );
    return c.json(toRefundView(row), 200);
  });
}
