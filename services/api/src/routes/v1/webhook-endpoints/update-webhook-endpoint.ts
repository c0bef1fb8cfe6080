import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { updateWebhookEndpoint } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { webhookContext } from './webhook-context.ts';
import {
  EventTypeSchema,
  UrlSchema,
  WebhookEndpointIdParam,
  WebhookEndpointSchema,
} from './webhook-endpoint-schema.ts';

const Body = z
  .object({
    url: UrlSchema.optional(),
    enabled_events: z.array(EventTypeSchema).max(50).optional(),
    description: z.string().max(500).nullable().optional(),
    status: z.enum(['enabled', 'disabled']).optional(),
  })
  .strict()
  .openapi('UpdateWebhookEndpoint');

/** PATCH /v1/webhook_endpoints/{id}: re-enabling resumes paused deliveries and clears the failure streak. */
export function registerUpdateWebhookEndpoint(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'patch',
    path: '/v1/webhook_endpoints/{id}',
    tags: ['Webhooks'],
    summary: 'Update a webhook endpoint',
    description:
      'Change the URL, the event types, the description, or enable/disable it. While disabled, no new deliveries ' +
      'are queued for it and pending ones wait; enabling resumes them. Events from while it was disabled stay in ' +
      'the event log: replay them with `POST /v1/webhook_endpoints/{id}/replay`.',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage')] as const,
    request: {
      params: WebhookEndpointIdParam,
      body: { required: true, content: { 'application/json': { schema: Body } } },
    },
    responses: {
      200: { description: 'Updated', content: { 'application/json': { schema: WebhookEndpointSchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const endpoint = await updateWebhookEndpoint({
      ctx: webhookContext(deps, c),
      input: { tenantId: auth.tenantId, mode: auth.mode, id, ...c.req.valid('json') },
    });
    return c.json(endpoint, 200);
  });
}
