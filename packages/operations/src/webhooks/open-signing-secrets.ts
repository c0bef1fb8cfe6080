import { type KeyProvider, openSecret } from '@paymux/vault';
import { webhookSecretContext } from './webhook-secret-context.ts';

/**
 * The secrets a delivery is signed with at `now`: the current one, and the one a rotation
 * replaced while its 24 hours last. Plain strings live only for the signing call.
 */
export async function openSigningSecrets(
  vault: KeyProvider,
  endpoint: {
    readonly tenant_id: string;
    readonly id: string;
    readonly secret: unknown;
    readonly previous_secret: unknown;
    readonly previous_secret_expires_at: Date | null;
  },
  now: Date,
): Promise<string[]> {
  const context = webhookSecretContext(endpoint.tenant_id, endpoint.id);
  const secrets = [(await openSecret(vault, endpoint.secret, context)).toString('utf8')];
  if (
    endpoint.previous_secret !== null &&
    endpoint.previous_secret_expires_at !== null &&
    endpoint.previous_secret_expires_at.getTime() > now.getTime()
  ) {
    secrets.push((await openSecret(vault, endpoint.previous_secret, context)).toString('utf8'));
  }
  return secrets;
}
