import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { withTenant } from '@paymux/db';
import { toDeliveryView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses } from '../../schemas.ts';
import { checkCursor, ListEnvelope, listPage, listQueryShape, paged } from '../list-query.ts';
import { DeliverySchema } from './delivery-schema.ts';

const Query = z
  .object({
    ...listQueryShape,
    status: z.enum(['pending', 'succeeded', 'failed']).optional(),
    webhook_endpoint: z.string().max(64).optional(),
    event: z.string().max(64).optional(),
  })
  .strict();

/** GET /v1/deliveries: newest first, filterable by endpoint, event, status and time. */
export function registerListDeliveries(app: OpenAPIHono<AppEnv>, requireScope: RequireScope, deps: AppDeps) {
  const route = createRoute({
    method: 'get',
    path: '/v1/deliveries',
    tags: ['Webhooks'],
    summary: 'List deliveries',
    description: 'One delivery per (event, endpoint). `GET /v1/deliveries/{id}` adds its attempt log.',
    security: [{ bearer: [] }],
    middleware: [requireScope('webhooks:manage')] as const,
    request: { query: Query },
    responses: {
      200: {
        description: 'A page of deliveries',
        content: { 'application/json': { schema: ListEnvelope(DeliverySchema) } },
      },
      ...authErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const q = c.req.valid('query');
    checkCursor(q.starting_after, 'dlv', 'a delivery id');
    const rows = await withTenant(deps.db, auth.tenantId, (trx) => {
      let query = paged(trx.selectFrom('webhook_deliveries').selectAll(), auth, q);
      if (q.status) query = query.where('status', '=', q.status);
      if (q.webhook_endpoint) query = query.where('endpoint_id', '=', q.webhook_endpoint);
      if (q.event) query = query.where('event_id', '=', q.event);
      return query.execute();
    });
    return c.json(listPage(rows, q.limit, toDeliveryView), 200);
  });
}
