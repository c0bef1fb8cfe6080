import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { createWebhookEndpoint } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses } from '../../schemas.ts';
import { webhookContext } from './webhook-context.ts';
import { EventTypeSchema, UrlSchema, WebhookEndpointWithSecretSchema } from './webhook-endpoint-schema.ts';

const Body = z
  .object({
    url: UrlSchema,
    enabled_events: z.array(EventTypeSchema).max(50).optional(),
    description: z.string().max(500).optional(),
  })
  .strict()
  .openapi('CreateWebhookEndpoint');

/** POST /v1/webhook_endpoints: the response carries the signing secret, once. */
export function registerCreateWebhookEndpoint(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'post',
    path: '/v1/webhook_endpoints',
    tags: ['Webhooks'],
    summary: 'Create a webhook endpoint',
    description:
      'Registers a URL to receive events signed per Standard Webhooks. Its mode is the API key’s mode. ' +
      'At most 16 endpoints per mode.',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage'), idempotent(deps, { sealStoredResponse: true })] as const,
    request: {
      headers: idempotencyHeaders,
      body: { required: true, content: { 'application/json': { schema: Body } } },
    },
    responses: {
      201: {
        description: 'Created, with its secret',
        content: { 'application/json': { schema: WebhookEndpointWithSecretSchema } },
      },
      ...authErrorResponses,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const endpoint = await createWebhookEndpoint({
      ctx: webhookContext(deps, c),
      input: { tenantId: auth.tenantId, mode: auth.mode, ...c.req.valid('json') },
    });
    return c.json(endpoint, 201);
  });
}
