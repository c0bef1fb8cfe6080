import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { withTenant } from '@paymux/db';
import { findWebhookEndpoint, toWebhookEndpointView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { WebhookEndpointIdParam, WebhookEndpointSchema } from './webhook-endpoint-schema.ts';

/** GET /v1/webhook_endpoints/{id}: never shows a secret. */
export function registerGetWebhookEndpoint(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'get',
    path: '/v1/webhook_endpoints/{id}',
    tags: ['Webhooks'],
    summary: 'Retrieve a webhook endpoint',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage')] as const,
    request: { params: WebhookEndpointIdParam },
    responses: {
      200: {
        description: 'The endpoint',
        content: { 'application/json': { schema: WebhookEndpointSchema } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const row = await withTenant(deps.db, auth.tenantId, (trx) => findWebhookEndpoint(trx, auth, id));
    return c.json(toWebhookEndpointView(row, deps.now?.()), 200);
  });
}
