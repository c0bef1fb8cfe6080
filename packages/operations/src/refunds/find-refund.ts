import { isId, PaymuxError } from '@paymux/core';
import type { Database, RefundRow } from '@paymux/db';
import type { Transaction } from 'kysely';

/** One refund of the tenant in the key's mode; anything else is the same 404. */
export async function findRefund(
  trx: Transaction<Database>,
  scope: { tenantId: string; mode: 'test' | 'live' },
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<RefundRow> {
  const notFound = new PaymuxError('not_found', `No such refund: ${id}`);
  if (!isId('rfd', id)) throw notFound;
  let query = trx
    .selectFrom('refunds')
    .selectAll()
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound;
  return row;
}
