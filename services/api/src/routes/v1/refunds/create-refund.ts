import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { createRefund, createRefundBody } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { paymentContext } from '../operation-context.ts';
import { RefundSchema } from './refund-schema.ts';

/** POST /v1/refunds: partial refunds allowed, never beyond what was paid. */
export function registerCreateRefund(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'post',
    path: '/v1/refunds',
    tags: ['Refunds'],
    summary: 'Refund a payment',
    description:
      'Refunds `amount` (default: everything still refundable) of a succeeded payment. Several partial refunds are ' +
      'allowed; their sum never exceeds the payment. Alipay answers at once; WeChat Pay usually answers `pending` ' +
      'and settles by notification (a `refund.succeeded` or `refund.failed` event follows).',
    security: [{ bearer: [] }],
    middleware: [requireScope('refunds:write'), idempotent(deps)] as const,
    request: {
      headers: idempotencyHeaders,
      body: {
        required: true,
        content: { 'application/json': { schema: createRefundBody } },
      },
    },
    responses: {
      201: { description: 'The refund', content: { 'application/json': { schema: RefundSchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const refund = await createRefund({
      ctx: paymentContext(deps, c),
      input: { tenantId: auth.tenantId, mode: auth.mode, ...c.req.valid('json') },
    });
    return c.json(refund, 201);
  });
}
