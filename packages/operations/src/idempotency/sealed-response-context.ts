import { createHash } from 'node:crypto';
import type { SecretContext } from '@paymux/vault';

/**
 * The vault context of an Idempotency-Key's sealed replay copy (a response that shows a
 * secret once). The key is hashed into the record id: a client's key may hold any
 * character. The API seals and opens with it; master-key rotation re-wraps with it.
 */
export function sealedResponseContext(scope: {
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly key: string;
}): SecretContext {
  const record = createHash('sha256').update(`${scope.mode}\n${scope.key}`).digest('hex');
  return { tenantId: scope.tenantId, table: 'idempotency_keys', recordId: record, purpose: 'response_body' };
}
