import type { SecretContext } from '@paymux/vault';

/**
 * The vault context of an endpoint's signing secrets. The current and the previous secret
 * share it: both belong to this endpoint and sign its deliveries, and a rotation moves the
 * current envelope into the previous column unchanged.
 */
export function webhookSecretContext(tenantId: string, endpointId: string): SecretContext {
  return { tenantId, table: 'webhook_endpoints', recordId: endpointId, purpose: 'signing_secret' };
}
