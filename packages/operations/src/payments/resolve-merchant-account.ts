import { isId, PaymuxError, type Provider } from '@paymux/core';
import type { Database, MerchantAccountRow } from '@paymux/db';
import { sql, type Transaction } from 'kysely';

/**
 * The merchant account a payment goes to: the named one (which must serve the channel's
 * provider), or the default for the provider in the key's mode. It must be active.
 */
export async function resolveMerchantAccount(
  trx: Transaction<Database>,
  scope: { tenantId: string; mode: 'test' | 'live' },
  provider: Provider,
  named: string | undefined,
): Promise<MerchantAccountRow> {
  return (await resolveMerchantAccountVersion(trx, scope, provider, named)).account;
}

/**
 * `resolveMerchantAccount` with the row version it read (`xmin`, as text): a later
 * statement can check that the account is still exactly this one
 * (`xmin = ${version}::xid`) instead of resolving it again.
 */
export async function resolveMerchantAccountVersion(
  trx: Transaction<Database>,
  scope: { tenantId: string; mode: 'test' | 'live' },
  provider: Provider,
  named: string | undefined,
): Promise<{ account: MerchantAccountRow; version: string }> {
  let query = trx
    .selectFrom('merchant_accounts')
    .selectAll()
    .select(sql<string>`xmin::text`.as('row_version'))
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null);
  if (named !== undefined) {
    if (!isId('mca', named)) throw new PaymuxError('not_found', `No such merchant account: ${named}`);
    query = query.where('id', '=', named);
  } else {
    query = query.where('provider', '=', provider).where('is_default', '=', true);
  }
  const found = await query.executeTakeFirst();
  if (!found) {
    throw named !== undefined
      ? new PaymuxError('not_found', `No such merchant account: ${named}`)
      : new PaymuxError(
          'validation_failed',
          `There is no default ${provider} merchant account in ${scope.mode} mode; name one with merchant_account.`,
          { fields: [{ path: 'merchant_account', message: `no default ${provider} account` }] },
        );
  }
  const { row_version, ...account } = found;
  if (account.provider !== provider) {
    throw new PaymuxError(
      'validation_failed',
      `Merchant account ${account.id} is a ${account.provider} account.`,
      {
        fields: [{ path: 'merchant_account', message: `must be a ${provider} account for this channel` }],
      },
    );
  }
  if (account.status !== 'active') {
    throw new PaymuxError('conflict', `Merchant account ${account.id} is disabled.`);
  }
  return { account, version: row_version };
}
