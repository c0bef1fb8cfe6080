import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { closePayment } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { paymentContext } from '../operation-context.ts';
import { PaymentIdParam, PaymentSchema } from './payment-schema.ts';

/** POST /v1/payments/{id}/close: closes an unpaid payment at the provider, then here. */
export function registerClosePayment(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'post',
    path: '/v1/payments/{id}/close',
    tags: ['Payments'],
    summary: 'Close a payment',
    description:
      'The payer can no longer pay. Closing an already closed payment returns it unchanged; a payment that ' +
      'succeeded meanwhile answers 409 `illegal_transition` (and shows as succeeded).',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:write'), idempotent(deps)] as const,
    request: { params: PaymentIdParam, headers: idempotencyHeaders },
    responses: {
      200: { description: 'The closed payment', content: { 'application/json': { schema: PaymentSchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const payment = await closePayment({
      ctx: paymentContext(deps, c),
      input: { tenantId: auth.tenantId, mode: auth.mode, id: c.req.valid('param').id },
    });
    return c.json(payment, 200);
  });
}
