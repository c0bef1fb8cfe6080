import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { retryDelivery } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { DeliveryIdParam, DeliverySchema } from './delivery-schema.ts';

/** POST /v1/deliveries/{id}/retry: attempt it again now. */
export function registerRetryDelivery(app: OpenAPIHono<AppEnv>, requireScope: RequireScope, deps: AppDeps) {
  const route = createRoute({
    method: 'post',
    path: '/v1/deliveries/{id}/retry',
    tags: ['Webhooks'],
    summary: 'Retry a delivery now',
    description:
      'A pending delivery is attempted now (its schedule continues if this fails). A failed or succeeded one gets ' +
      'exactly one more attempt, not retried if it fails. 409 while the endpoint is disabled or an attempt is running.',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage'), idempotent(deps)] as const,
    request: { params: DeliveryIdParam, headers: idempotencyHeaders },
    responses: {
      202: { description: 'Scheduled for now', content: { 'application/json': { schema: DeliverySchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const delivery = await retryDelivery({
      ctx: {
        db: deps.db,
        actor: { type: 'api_key', id: auth.keyId },
        requestId: c.get('requestId'),
        now: deps.now,
      },
      input: { tenantId: auth.tenantId, mode: auth.mode, id },
    });
    return c.json(delivery, 202);
  });
}
