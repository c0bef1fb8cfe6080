import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { withTenant } from '@paymux/db';
import { toRefundView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses } from '../../schemas.ts';
import { checkCursor, ListEnvelope, listPage, listQueryShape, paged } from '../list-query.ts';
import { RefundSchema } from './refund-schema.ts';

const Query = z
  .object({
    ...listQueryShape,
    status: z.enum(['pending', 'succeeded', 'failed']).optional(),
    payment: z.string().max(64).optional(),
  })
  .strict();

/** GET /v1/refunds: newest first, cursor-paginated, filterable by status, payment and time. */
export function registerListRefunds(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/refunds',
    tags: ['Refunds'],
    summary: 'List refunds',
    security: [{ bearer: [] }],
    middleware: [requireScope('refunds:read')] as const,
    request: { query: Query },
    responses: {
      200: {
        description: 'A page of refunds',
        content: { 'application/json': { schema: ListEnvelope(RefundSchema) } },
      },
      ...authErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const q = c.req.valid('query');
    checkCursor(q.starting_after, 'rfd', 'a refund id');
    const rows = await withTenant(deps.db, auth.tenantId, (trx) => {
      let query = paged(trx.selectFrom('refunds').selectAll(), auth, q);
      if (q.status) query = query.where('status', '=', q.status);
      if (q.payment) query = query.where('payment_id', '=', q.payment);
      return query.execute();
    });
    return c.json(listPage(rows, q.limit, toRefundView), 200);
  });
}
