import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { PaymuxError } from '@paymux/core';
import { simulatePayer } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { paymentContext } from '../operation-context.ts';
import { PaymentIdParam, PaymentSchema } from '../payments/payment-schema.ts';

/**
 * POST /v1/test_helpers/payments/{id}/pay and …/fail: test mode only, the tenant's own
 * payments only. The sandbox's payer pays (or fails); the sandbox then notifies as the
 * provider would, and the payment is synced at once.
 */
export function registerSettleTestPayment(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  for (const outcome of ['pay', 'fail'] as const) {
    const route = createRoute({
      method: 'post',
      path: `/v1/test_helpers/payments/{id}/${outcome}`,
      tags: ['Test helpers'],
      summary:
        outcome === 'pay' ? 'Simulate the payer paying (test mode)' : 'Simulate a failed payment (test mode)',
      description:
        'Only for test-mode keys and test-mode payments (a live key gets 404). ' +
        (outcome === 'fail'
          ? 'Alipay has no failed state: an Alipay payment stays `requires_payment` until it expires.'
          : ''),
      security: [{ bearer: [] }],
      middleware: [requireScope('payments:write'), idempotent(deps)] as const,
      request: { params: PaymentIdParam, headers: idempotencyHeaders },
      responses: {
        200: {
          description: 'The payment afterwards',
          content: { 'application/json': { schema: PaymentSchema } },
        },
        ...authErrorResponses,
        ...notFoundResponse,
        ...idempotencyErrorResponses,
        503: {
          description: 'The sandbox is not available to this server.',
          content: { 'application/problem+json': { schema: z.object({}).passthrough() } },
        },
      },
    });
    app.openapi(route, async (c) => {
      const auth = c.get('auth');
      if (!deps.sandbox)
        throw new PaymuxError(
          'service_unavailable',
          'Test helpers need the sandbox, which this server does not reach.',
        );
      const payment = await simulatePayer({
        ctx: { ...paymentContext(deps, c), sandbox: deps.sandbox },
        input: { tenantId: auth.tenantId, mode: auth.mode, id: c.req.valid('param').id, outcome },
      });
      return c.json(payment, 200);
    });
  }
}
