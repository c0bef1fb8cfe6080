import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getDelivery } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { DeliveryIdParam, DeliveryWithAttemptsSchema } from './delivery-schema.ts';

/** GET /v1/deliveries/{id}: the delivery and its attempt log. */
export function registerGetDelivery(app: OpenAPIHono<AppEnv>, requireScope: RequireScope, deps: AppDeps) {
  const route = createRoute({
    method: 'get',
    path: '/v1/deliveries/{id}',
    tags: ['Webhooks'],
    summary: 'Retrieve a delivery with its attempts',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage')] as const,
    request: { params: DeliveryIdParam },
    responses: {
      200: {
        description: 'The delivery',
        content: { 'application/json': { schema: DeliveryWithAttemptsSchema } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const delivery = await getDelivery({
      ctx: { db: deps.db, actor: { type: 'api_key', id: auth.keyId } },
      input: { tenantId: auth.tenantId, mode: auth.mode, id },
    });
    return c.json(delivery, 200);
  });
}
