import { z } from '@hono/zod-openapi';
import { isId, PaymuxError } from '@paymux/core';
import type { Database } from '@paymux/db';
import { type SelectQueryBuilder, sql } from 'kysely';

/** Cursor pagination and creation-time filters shared by list routes. */
export const listQueryShape = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().max(64).optional(),
  created_gte: z.iso.datetime({ offset: true }).optional(),
  created_lt: z.iso.datetime({ offset: true }).optional(),
};

export const ListEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({ object: z.literal('list'), data: z.array(item), has_more: z.boolean() });

/** A `starting_after` cursor must be an id of the listed kind: 400 otherwise, before any query. */
export function checkCursor(
  startingAfter: string | undefined,
  prefix: Parameters<typeof isId>[0],
  noun: string,
): void {
  if (startingAfter === undefined || isId(prefix, startingAfter)) return;
  throw new PaymuxError('validation_failed', `starting_after must be ${noun}.`, {
    fields: [{ path: 'starting_after', message: `must be ${noun} (${prefix}_…)` }],
  });
}

/** The list envelope from `limit + 1` rows fetched newest first: the extra row only says there is more. */
export function listPage<Row, View>(rows: readonly Row[], limit: number, view: (row: Row) => View) {
  return { object: 'list' as const, data: rows.slice(0, limit).map(view), has_more: rows.length > limit };
}

/**
 * What every list route shares, applied to the route's `selectFrom(table).selectAll()`: the
 * tenant's rows in the key's mode, newest first (ids are time-ordered, so id order is
 * creation order and a stable cursor), `limit + 1` of them (the extra one only says there is
 * more) after `starting_after`, within the creation range when given. The route adds its own
 * filters to what this returns.
 *
 * @example
 * let query = paged(trx.selectFrom('refunds').selectAll(), auth, q);
 * if (q.status) query = query.where('status', '=', q.status);
 * return listPage(await query.execute(), q.limit, toRefundView);
 */
// biome-ignore lint/suspicious/noExplicitAny: any listed table; the columns used are on all of them.
export function paged<QB extends SelectQueryBuilder<Database, any, any>>(
  query: QB,
  scope: { readonly tenantId: string; readonly mode: 'test' | 'live' },
  q: {
    readonly limit: number;
    readonly starting_after?: string | undefined;
    readonly created_gte?: string | undefined;
    readonly created_lt?: string | undefined;
  },
): QB {
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  let out: SelectQueryBuilder<Database, any, any> = query
    .where(sql.ref('tenant_id'), '=', scope.tenantId)
    .where(sql.ref('mode'), '=', scope.mode)
    .orderBy(sql.ref('id'), 'desc')
    .limit(q.limit + 1);
  if (q.starting_after) out = out.where(sql.ref('id'), '<', q.starting_after);
  if (q.created_gte) out = out.where(sql.ref('created_at'), '>=', new Date(q.created_gte));
  if (q.created_lt) out = out.where(sql.ref('created_at'), '<', new Date(q.created_lt));
  return out as QB;
}
