import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { MAX_REPLAY_EVENTS, replayWebhookEvents } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { webhookContext } from './webhook-context.ts';
import { WebhookEndpointIdParam } from './webhook-endpoint-schema.ts';

const Body = z
  .object({
    since: z.iso.datetime({ offset: true }),
    until: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Exclusive; defaults to now.' }),
  })
  .strict()
  .openapi('ReplayWebhookEvents');

/** POST /v1/webhook_endpoints/{id}/replay: re-sends every subscribed event of a time range. */
export function registerReplayWebhookEvents(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'post',
    path: '/v1/webhook_endpoints/{id}/replay',
    tags: ['Webhooks'],
    summary: 'Replay events to an endpoint',
    description:
      `Schedules every event created in [since, until) that the endpoint subscribes to for delivery now, ` +
      `including events from before it existed or while it was disabled, and events already delivered. ` +
      `Each keeps its webhook-id (the event id), so your deduplication recognises repeats. At most ` +
      `${MAX_REPLAY_EVENTS} events per call. The endpoint must be enabled.`,
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage'), idempotent(deps)] as const,
    request: {
      params: WebhookEndpointIdParam,
      headers: idempotencyHeaders,
      body: { required: true, content: { 'application/json': { schema: Body } } },
    },
    responses: {
      202: {
        description: 'Scheduled',
        content: {
          'application/json': {
            schema: z
              .object({
                object: z.literal('webhook_replay'),
                webhook_endpoint: z.string(),
                events: z.number().int(),
              })
              .openapi('WebhookReplay'),
          },
        },
      },
      ...authErrorResponses,
      ...notFoundResponse,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const result = await replayWebhookEvents({
      ctx: webhookContext(deps, c),
      input: {
        tenantId: auth.tenantId,
        mode: auth.mode,
        id,
        since: new Date(body.since),
        until: body.until === undefined ? undefined : new Date(body.until),
      },
    });
    return c.json(result, 202);
  });
}
