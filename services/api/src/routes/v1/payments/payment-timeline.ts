import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { EventType } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { findPayment } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { authErrorResponses, notFoundResponse } from '../../schemas.ts';
import { EventTypeSchema } from '../events/event-schema.ts';
import { PaymentIdParam } from './payment-schema.ts';

// A payment's history is small (a handful of state changes, notifications and queries); the
// cap only bounds a pathological one (a provider re-notifying for days). Past it, the oldest
// entries are kept and has_more says the rest was left out.
const MAX_ENTRIES_PER_SOURCE = 500;

const at = z.string().openapi({ description: 'When it happened (RFC 3339).' });
const refund = z.string().nullable().openapi({ description: 'The refund it concerns (`rfd_…`), if any.' });

const StateChange = z
  .object({
    type: z.literal('state_change'),
    at,
    event: z.string().openapi({ description: 'The event recording it (`evt_…`).', example: 'evt_01jx…' }),
    event_type: EventTypeSchema,
    object: z.string().openapi({ description: 'The payment, or one of its refunds.' }),
    status: z.string().nullable().openapi({ description: 'The object’s status after the change.' }),
  })
  .openapi('TimelineStateChange');

const Notification = z
  .object({
    type: z.literal('notification'),
    at,
    id: z.string().openapi({ example: 'ntf_01jx…' }),
    provider: z.enum(['wechatpay', 'alipay']),
    provider_notification_id: z.string().nullable(),
    outcome: z.enum(['applied', 'duplicate', 'rejected']).openapi({
      description:
        '`applied`: it changed the state; `duplicate`: verified, nothing to change; `rejected`: it failed a check (see `reason`).',
    }),
    reason: z.string().nullable(),
    refund,
  })
  .openapi('TimelineNotification', {
    description:
      'A provider notification received for this payment (raw bodies and signatures are never shown). ' +
      'A notification that fails signature verification cannot be tied to a payment, so it never appears here.',
  });

const ProviderActivity = z
  .object({
    type: z.enum(['provider_query', 'provider_close', 'provider_refund']),
    at,
    outcome: z.string().openapi({ description: 'What the provider answered, in Paymux terms.' }),
    provider_status: z.string().nullable().openapi({ description: 'The provider’s own status word.' }),
    refund,
  })
  .openapi('TimelineProviderActivity', {
    description: 'A call Paymux made to the provider about this payment.',
  });

const TimelineEntry = z.union([StateChange, Notification, ProviderActivity]).openapi('TimelineEntry');
type Entry = z.infer<typeof TimelineEntry>;

const Timeline = z
  .object({ object: z.literal('list'), data: z.array(TimelineEntry), has_more: z.boolean() })
  .openapi('PaymentTimeline');

// At the same instant (one transaction), the cause comes before its effect: the notification
// or query first, then the state change it made.
const RANK: Record<Entry['type'], number> = {
  provider_query: 0,
  provider_close: 0,
  provider_refund: 0,
  notification: 0,
  state_change: 1,
};

const ACTIVITY_TYPE = {
  query: 'provider_query',
  close: 'provider_close',
  refund: 'provider_refund',
} as const;

/** GET /v1/payments/{id}/timeline */
export function registerPaymentTimeline(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/payments/{id}/timeline',
    tags: ['Payments'],
    summary: 'A payment’s timeline',
    description:
      'Everything that happened to a payment, oldest first: its state changes and its refunds’ ' +
      '(from events), the provider notifications received for it with their outcome, and the ' +
      'queries and calls Paymux made to the provider. Not paginated; `has_more` is true only ' +
      'when an unusually long history was cut short.',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:read')] as const,
    request: { params: PaymentIdParam },
    responses: {
      200: { description: 'The payment’s timeline', content: { 'application/json': { schema: Timeline } } },
      ...authErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { events, notifications, activity } = await withTenant(deps.db, auth.tenantId, async (trx) => {
      const payment = await findPayment(trx, auth, c.req.valid('param').id);
      const refundIds = trx
        .selectFrom('refunds')
        .select('id')
        .where('tenant_id', '=', auth.tenantId)
        .where('payment_id', '=', payment.id);
      const events = await trx
        .selectFrom('events')
        .select(['id', 'type', 'object_id', 'data', 'created_at'])
        .where('tenant_id', '=', auth.tenantId)
        .where('mode', '=', auth.mode)
        .where((eb) => eb.or([eb('object_id', '=', payment.id), eb('object_id', 'in', refundIds)]))
        .orderBy('id')
        .limit(MAX_ENTRIES_PER_SOURCE + 1)
        .execute();
      // Only the verdict columns: the raw body and signature headers never leave the database.
      const notifications = await trx
        .selectFrom('provider_notifications')
        .select([
          'id',
          'provider',
          'provider_notification_id',
          'outcome',
          'reason',
          'refund_id',
          'received_at',
        ])
        .where('tenant_id', '=', auth.tenantId)
        .where('mode', '=', auth.mode)
        .where('payment_id', '=', payment.id)
        .orderBy('received_at')
        .orderBy('id')
        .limit(MAX_ENTRIES_PER_SOURCE + 1)
        .execute();
      const activity = await trx
        .selectFrom('payment_activity')
        .select(['kind', 'outcome', 'detail', 'refund_id', 'created_at'])
        .where('tenant_id', '=', auth.tenantId)
        .where('payment_id', '=', payment.id)
        .orderBy('created_at')
        .orderBy('id')
        .limit(MAX_ENTRIES_PER_SOURCE + 1)
        .execute();
      return { events, notifications, activity };
    });

    const entries: Entry[] = [
      ...events.slice(0, MAX_ENTRIES_PER_SOURCE).map(
        (e): Entry => ({
          type: 'state_change',
          at: e.created_at.toISOString(),
          event: e.id,
          event_type: e.type as EventType,
          object: e.object_id,
          status: typeof e.data.status === 'string' ? e.data.status : null,
        }),
      ),
      ...notifications.slice(0, MAX_ENTRIES_PER_SOURCE).map(
        (n): Entry => ({
          type: 'notification',
          at: n.received_at.toISOString(),
          id: n.id,
          provider: n.provider,
          provider_notification_id: n.provider_notification_id,
          outcome: n.outcome,
          reason: n.reason,
          refund: n.refund_id,
        }),
      ),
      ...activity.slice(0, MAX_ENTRIES_PER_SOURCE).map(
        (a): Entry => ({
          type: ACTIVITY_TYPE[a.kind],
          at: a.created_at.toISOString(),
          outcome: a.outcome,
          // detail is free-form; only the provider's status word is part of the public shape.
          provider_status: typeof a.detail.provider_status === 'string' ? a.detail.provider_status : null,
          refund: a.refund_id,
        }),
      ),
    ];
    // ISO strings of one format sort as their instants; sort is stable, so each source keeps its order.
    entries.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : RANK[x.type] - RANK[y.type]));
    // A source cut short ends the timeline where it was cut, so no gap hides in the middle.
    const cutoffs = [
      events.length > MAX_ENTRIES_PER_SOURCE ? events[MAX_ENTRIES_PER_SOURCE - 1]?.created_at : undefined,
      notifications.length > MAX_ENTRIES_PER_SOURCE
        ? notifications[MAX_ENTRIES_PER_SOURCE - 1]?.received_at
        : undefined,
      activity.length > MAX_ENTRIES_PER_SOURCE ? activity[MAX_ENTRIES_PER_SOURCE - 1]?.created_at : undefined,
    ].filter((d): d is Date => d !== undefined);
    if (cutoffs.length === 0) return c.json({ object: 'list' as const, data: entries, has_more: false }, 200);
    const cutoff = new Date(Math.min(...cutoffs.map((d) => d.getTime()))).toISOString();
    return c.json(
      { object: 'list' as const, data: entries.filter((e) => e.at <= cutoff), has_more: true },
      200,
    );
  });
}
