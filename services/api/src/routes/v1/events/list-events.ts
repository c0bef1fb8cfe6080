import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { EVENT_TYPES, type EventType, isEventType, PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { toEventView } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses } from '../../schemas.ts';
import { checkCursor, ListEnvelope, listPage, listQueryShape, paged } from '../list-query.ts';
import { EventSchema } from './event-schema.ts';

const Query = z
  .object({
    ...listQueryShape,
    // A comma-separated list, or the parameter repeated (the SDK sends arrays that way).
    type: z
      .union([z.string().max(1000), z.array(z.string().max(1000)).max(EVENT_TYPES.length)])
      .optional()
      .openapi({
        description: `Only these event types: one, a comma-separated list, or the parameter repeated. One of ${EVENT_TYPES.join(', ')}.`,
        example: 'payment.succeeded,payment.failed',
      }),
    object: z.string().max(64).optional().openapi({
      description:
        'Only events about this object (e.g. `pay_…` or `rfd_…`). A refund’s events are about the refund, not its payment.',
    }),
  })
  .strict();

/** Splits and checks `type`: an unknown name is a 400 naming it, never an empty page that hides a typo. */
function parseTypes(raw: string | string[] | undefined): EventType[] | undefined {
  if (raw === undefined) return undefined;
  const names = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim());
  const unknown = names.filter((name) => !isEventType(name));
  if (unknown.length > 0 || names.length === 0) {
    const message = `unknown event type ${JSON.stringify(unknown[0] ?? '')}; expected one of ${EVENT_TYPES.join(', ')}`;
    throw new PaymuxError('validation_failed', `type: ${message}.`, { fields: [{ path: 'type', message }] });
  }
  return [...new Set(names as EventType[])];
}

/** GET /v1/events: newest first, cursor-paginated, filterable by type, object and time. */
export function registerListEvents(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/events',
    tags: ['Events'],
    summary: 'List events',
    description:
      'The events of your account in the API key’s mode, newest first: use it to catch up on ' +
      'webhooks you missed. Each event carries a snapshot of its object as it was then. Events ' +
      'are kept at least 30 days; today none is ever deleted (the log is append-only). ' +
      'Requires `payments:read`, whatever the event type (refund events carry the refund).',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:read')] as const,
    request: { query: Query },
    responses: {
      200: {
        description: 'A page of events',
        content: { 'application/json': { schema: ListEnvelope(EventSchema) } },
      },
      ...authErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const q = c.req.valid('query');
    checkCursor(q.starting_after, 'evt', 'an event id');
    const types = parseTypes(q.type);
    const rows = await withTenant(deps.db, auth.tenantId, (trx) => {
      // Ids are time-ordered, so id order is creation order and a stable cursor.
      let query = paged(trx.selectFrom('events').selectAll(), auth, q);
      if (types) query = query.where('type', 'in', types);
      if (q.object) query = query.where('object_id', '=', q.object);
      return query.execute();
    });
    return c.json(listPage(rows, q.limit, toEventView), 200);
  });
}
