import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { isId, PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { toEventView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { EventIdParam, EventSchema } from './event-schema.ts';

/** GET /v1/events/{id} */
export function registerGetEvent(app: OpenAPIHono<AppEnv>, requireScope: RequireScope, deps: AppDeps): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/events/{id}',
    tags: ['Events'],
    summary: 'Retrieve an event',
    description:
      'One event, with the snapshot of its object as it was when it happened. Another account’s ' +
      'or the other mode’s event id answers 404. Requires `payments:read`.',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:read')] as const,
    request: { params: EventIdParam },
    responses: {
      200: { description: 'The event', content: { 'application/json': { schema: EventSchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    // Malformed, another tenant's and the other mode's ids are one and the same 404.
    const notFound = new PaymuxError('not_found', `No such event: ${id}`);
    if (!isId('evt', id)) throw notFound;
    const row = await withTenant(deps.db, auth.tenantId, (trx) =>
      trx
        .selectFrom('events')
        .selectAll()
        .where('tenant_id', '=', auth.tenantId)
        .where('mode', '=', auth.mode)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (!row) throw notFound;
    return c.json(toEventView(row), 200);
  });
}
