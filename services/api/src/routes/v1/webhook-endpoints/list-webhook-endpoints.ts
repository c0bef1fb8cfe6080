import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { withTenant } from '@paymux/db';
import { toWebhookEndpointView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses } from '../../schemas.ts';
import { checkCursor, ListEnvelope, listPage, listQueryShape, paged } from '../list-query.ts';
import { WebhookEndpointSchema } from './webhook-endpoint-schema.ts';

const Query = z
  .object({
    limit: listQueryShape.limit,
    starting_after: listQueryShape.starting_after,
    status: z.enum(['enabled', 'disabled']).optional(),
  })
  .strict();

/** GET /v1/webhook_endpoints: the key's mode, newest first. */
export function registerListWebhookEndpoints(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'get',
    path: '/v1/webhook_endpoints',
    tags: ['Webhooks'],
    summary: 'List webhook endpoints',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage')] as const,
    request: { query: Query },
    responses: {
      200: {
        description: 'A page of webhook endpoints',
        content: { 'application/json': { schema: ListEnvelope(WebhookEndpointSchema) } },
      },
      ...authErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const q = c.req.valid('query');
    checkCursor(q.starting_after, 'whe', 'a webhook endpoint id');
    const rows = await withTenant(deps.db, auth.tenantId, (trx) => {
      let query = paged(trx.selectFrom('webhook_endpoints').selectAll(), auth, q);
      if (q.status) query = query.where('status', '=', q.status);
      return query.execute();
    });
    const now = deps.now?.() ?? new Date();
    return c.json(
      listPage(rows, q.limit, (row) => toWebhookEndpointView(row, now)),
      200,
    );
  });
}
