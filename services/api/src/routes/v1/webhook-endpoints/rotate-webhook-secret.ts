import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { rotateWebhookSecret } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { webhookContext } from './webhook-context.ts';
import { WebhookEndpointIdParam, WebhookEndpointWithSecretSchema } from './webhook-endpoint-schema.ts';

/** POST /v1/webhook_endpoints/{id}/rotate_secret: a new secret, once; the old one signs too for 24 h. */
export function registerRotateWebhookSecret(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'post',
    path: '/v1/webhook_endpoints/{id}/rotate_secret',
    tags: ['Webhooks'],
    summary: 'Rotate the signing secret',
    description:
      'Issues a new secret, returned once. For the next 24 hours every delivery carries two signatures ' +
      '(space-separated in `webhook-signature`), one per secret, so you can deploy the new secret without ' +
      'missing a webhook. Rotating again within the 24 hours retires the oldest secret at once.',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage'), idempotent(deps, { sealStoredResponse: true })] as const,
    request: { params: WebhookEndpointIdParam, headers: idempotencyHeaders },
    responses: {
      200: {
        description: 'The endpoint with its new secret',
        content: { 'application/json': { schema: WebhookEndpointWithSecretSchema } },
      },
      ...authErrorResponses,
      ...notFoundResponse,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const endpoint = await rotateWebhookSecret({
      ctx: webhookContext(deps, c),
      input: { tenantId: auth.tenantId, mode: auth.mode, id },
    });
    return c.json(endpoint, 200);
  });
}
