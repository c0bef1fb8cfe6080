import { isId, PaymuxError, type Provider } from '@paymux/core';
import type { Database, MerchantAccountRow } from '@paymux/db';
import type { Transaction } from 'kysely';

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
  let query = trx
    .selectFrom('merchant_accounts')
    .selectAll()
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null);
  if (named !== undefined) {
    if (!isId('mca', named)) throw new PaymuxError('not_found', `No such merchant account: ${named}`);
    query = query.where('id', '=', named);
  } else {
    query = query.where('provider', '=', provider).where('is_default', '=', true);
  }
  const account = await query.executeTakeFirst();
  if (!account) {
    throw named !== undefined
      ? new PaymuxError('not_found', `No such merchant account: ${named}`)
      : new PaymuxError(
          'validation_failed',
          `There is no default ${provider} merchant account in ${scope.mode} mode; name one with merchant_account.`,
          { fields: [{ path: 'merchant_account', message: `no default ${provider} account` }] },
        );
  }
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
  return account;
}
