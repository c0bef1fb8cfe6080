import { isPaymuxError } from '@paymux/core';
import { OPERATOR, revokeApiKey } from '@paymux/operations';
import { CliError, type Command, writeLine } from '../command.ts';
import { withDatabase } from '../database.ts';

export const apiKeyRevokeCommand: Command = {
  path: ['api-key', 'revoke'],
  summary: 'Revoke an API key (effective at once on every process)',
  help: `Usage: paymux api-key revoke --tenant TENANT_ID --key KEY_ID

Revokes the key: tokens it signed are refused from now on by every running
Paymux process. Revoking an already revoked key changes nothing.

Example:
  paymux api-key revoke --tenant tnt_01jx… --key key_01jx…`,
  options: {
    tenant: { type: 'string' },
    key: { type: 'string' },
  },
  async run({ values, config, io }) {
    if (typeof values.tenant !== 'string') throw new CliError('--tenant is required');
    if (typeof values.key !== 'string') throw new CliError('--key is required');
    const input = { tenantId: values.tenant, keyId: values.key };
    try {
      const key = await withDatabase(config(), (handle) =>
        revokeApiKey({ ctx: { db: handle.db, actor: OPERATOR }, input }),
      );
      writeLine(io.stdout, JSON.stringify(key, null, 2));
      return 0;
    } catch (error) {
      if (isPaymuxError(error) && error.status < 500) throw new CliError(error.detail);
      throw error;
    }
  },
};
