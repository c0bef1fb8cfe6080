import type { SecretContext } from '@paymux/vault';

/** The vault context a merchant account's credentials are sealed under. */
export function credentialsContext(tenantId: string, accountId: string): SecretContext {
  return { tenantId, table: 'merchant_accounts', recordId: accountId, purpose: 'credentials' };
}
