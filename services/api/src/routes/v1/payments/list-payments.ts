import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { withTenant } from '@paymux/db';
import { toPaymentView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses } from '../../schemas.ts';
import { checkCursor, ListEnvelope, listPage, listQueryShape, paged } from '../list-query.ts';
import { PaymentSchema } from './payment-schema.ts';

const Query = z
  .object({
    ...listQueryShape,
    status: z.enum(['requires_payment', 'succeeded', 'closed', 'failed']).optional(),
    merchant_order_id: z.string().max(64).optional(),
    merchant_account: z.string().max(64).optional(),
  })
  .strict();

/** GET /v1/payments: newest first, cursor-paginated, filterable by status, time, order id and account. */
export function registerListPayments(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/payments',
    tags: ['Payments'],
    summary: 'List payments',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:read')] as const,
    request: { query: Query },
    responses: {
      200: {
        description: 'A page of payments',
        content: { 'application/json': { schema: ListEnvelope(PaymentSchema) } },
      },
      ...authErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const q = c.req.valid('query');
    checkCursor(q.starting_after, 'pay', 'a payment id');
    const rows = await withTenant(deps.db, auth.tenantId, (trx) => {
      let query = paged(trx.selectFrom('payments').selectAll(), auth, q);
      if (q.status) query = query.where('status', '=', q.status);
      if (q.merchant_order_id) query = query.where('merchant_order_id', '=', q.merchant_order_id);
      if (q.merchant_account) query = query.where('merchant_account_id', '=', q.merchant_account);
      return query.execute();
    });
    return c.json(listPage(rows, q.limit, toPaymentView), 200);
  });
}
