import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { deleteWebhookEndpoint } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { webhookContext } from './webhook-context.ts';
import { WebhookEndpointIdParam } from './webhook-endpoint-schema.ts';

/** DELETE /v1/webhook_endpoints/{id}: with its secrets, deliveries and attempt log; events stay. */
export function registerDeleteWebhookEndpoint(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'delete',
    path: '/v1/webhook_endpoints/{id}',
    tags: ['Webhooks'],
    summary: 'Delete a webhook endpoint',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage')] as const,
    request: { params: WebhookEndpointIdParam },
    responses: {
      200: {
        description: 'Deleted',
        content: {
          'application/json': {
            schema: z.object({
              id: z.string(),
              object: z.literal('webhook_endpoint'),
              deleted: z.literal(true),
            }),
          },
        },
      },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const result = await deleteWebhookEndpoint({
      ctx: webhookContext(deps, c),
      input: { tenantId: auth.tenantId, mode: auth.mode, id },
    });
    return c.json(result, 200);
  });
}
