import { isId, PaymuxError } from '@paymux/core';
import type { Database, MerchantAccountRow } from '@paymux/db';
import type { Transaction } from 'kysely';

/**
 * One live (not deleted) merchant account of the tenant in the key's mode. Anything else
 * — another tenant's id, the other mode, a deleted account, a malformed id — is the
 * same 404, so ids reveal nothing.
 */
export async function findMerchantAccount(
  trx: Transaction<Database>,
  scope: { tenantId: string; mode: 'test' | 'live' },
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<MerchantAccountRow> {
  const notFound = new PaymuxError('not_found', `No such merchant account: ${id}`);
  if (!isId('mca', id)) throw notFound;
  let query = trx
    .selectFrom('merchant_accounts')
    .selectAll()
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound;
  return row;
}
