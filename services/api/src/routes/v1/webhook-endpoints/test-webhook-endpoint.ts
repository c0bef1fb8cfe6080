import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { testWebhookEndpoint } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { webhookContext } from './webhook-context.ts';
import { WebhookEndpointIdParam } from './webhook-endpoint-schema.ts';

const WebhookTestSchema = z
  .object({
    object: z.literal('webhook_test'),
    webhook_endpoint: z.string(),
    succeeded: z.boolean().openapi({ description: 'The endpoint answered 2xx.' }),
    status_code: z.number().int().nullable(),
    latency_ms: z.number().int(),
    error_class: z
      .enum([
        'timeout',
        'dns',
        'address_refused',
        'connection',
        'tls',
        'redirect',
        'http_status',
        'invalid_url',
      ])
      .nullable(),
  })
  .openapi('WebhookTest');

/** POST /v1/webhook_endpoints/{id}/test: sends a signed test event; reports status and timing only. */
export function registerTestWebhookEndpoint(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'post',
    path: '/v1/webhook_endpoints/{id}/test',
    tags: ['Webhooks'],
    summary: 'Send a test event',
    description:
      'Sends a `webhook_endpoint.test` event, signed like every delivery and through the same address checks, ' +
      'and reports whether it was accepted and how long it took. The response body is never returned.',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage'), idempotent(deps)] as const,
    request: { params: WebhookEndpointIdParam, headers: idempotencyHeaders },
    responses: {
      200: {
        description: 'What the endpoint did',
        content: { 'application/json': { schema: WebhookTestSchema } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const result = await testWebhookEndpoint({
      ctx: webhookContext(deps, c),
      input: { tenantId: auth.tenantId, mode: auth.mode, id },
    });
    return c.json(
      { ...result, error_class: result.error_class as z.infer<typeof WebhookTestSchema>['error_class'] },
      200,
    );
  });
}
