import { isId, PaymuxError } from '@paymux/core';
import type { Database, WebhookDeliveryRow } from '@paymux/db';
import type { Transaction } from 'kysely';

/** One delivery of the tenant in the key's mode; anything else is the same 404. */
export async function findDelivery(
  trx: Transaction<Database>,
  scope: { tenantId: string; mode: 'test' | 'live' },
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WebhookDeliveryRow> {
  const notFound = new PaymuxError('not_found', `No such delivery: ${id}`);
  if (!isId('dlv', id)) throw notFound;
  let query = trx
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound;
  return row;
}
