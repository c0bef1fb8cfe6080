import { z } from '@hono/zod-openapi';
import { isId, PaymuxError } from '@paymux/core';

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
