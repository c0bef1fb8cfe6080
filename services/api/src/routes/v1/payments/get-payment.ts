import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { withTenant } from '@paymux/db';
import { findPayment, toPaymentView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { PaymentIdParam, PaymentSchema } from './payment-schema.ts';

/** GET /v1/payments/{id} */
export function registerGetPayment(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/payments/{id}',
    tags: ['Payments'],
    summary: 'Retrieve a payment',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:read')] as const,
    request: { params: PaymentIdParam },
    responses: {
      200: { description: 'The payment', content: { 'application/json': { schema: PaymentSchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const row = await withTenant(deps.db, auth.tenantId, (trx) =>
      findPayment(trx, auth, c.req.valid('param').id),
    );
    return c.json(toPaymentView(row), 200);
  });
}
