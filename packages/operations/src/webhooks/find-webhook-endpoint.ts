import { isId, PaymuxError } from '@paymux/core';
import type { Database, WebhookEndpointRow } from '@paymux/db';
import type { Transaction } from 'kysely';

/**
 * One endpoint of the tenant in the key's mode. Another tenant's id, the other mode and a
 * malformed id are the same 404.
 */
export async function findWebhookEndpoint(
  trx: Transaction<Database>,
  scope: { tenantId: string; mode: 'test' | 'live' },
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WebhookEndpointRow> {
  const notFound = new PaymuxError('not_found', `No such webhook endpoint: ${id}`);
  if (!isId('whe', id)) throw notFound;
  let query = trx
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound;
  return row;
}
