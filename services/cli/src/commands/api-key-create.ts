import { readFile } from 'node:fs/promises';
import { isPaymuxError, parseScopes } from '@paymux/core';
import { createApiKey, OPERATOR } from '@paymux/operations';
import { CliError, type Command, writeLine } from '../command.ts';
import { withDatabase } from '../database.ts';

export const apiKeyCreateCommand: Command = {
  path: ['api-key', 'create'],
  summary: 'Create an API key (prints the private key once)',
  help: `Usage: paymux api-key create --tenant TENANT_ID --mode test|live [--scopes a,b] [--name NAME] [--public-key FILE]

Generates an ES256 key pair for the tenant and prints, once, JSON with the key id and
the private JWK. Paymux stores only the public key: keep the output safe.
With --public-key, registers your own public JWK (EC P-256 or Ed25519) instead.

Options:
  --tenant ID        the tenant (tnt_…)
  --mode MODE        test (sandbox only) or live
  --scopes LIST      comma-separated; default all: payments:read,payments:write,
                     refunds:read,refunds:write,merchant_accounts:write,webhooks:manage,reports:read
  --name NAME        a label for the key (default "default")
  --public-key FILE  a public JWK file to register instead of generating a pair

Example:
  paymux api-key create --tenant tnt_01jx… --mode test > key.json
  paymux token --key key.json`,
  options: {
    tenant: { type: 'string' },
    mode: { type: 'string' },
    scopes: { type: 'string' },
    name: { type: 'string' },
    'public-key': { type: 'string' },
  },
  async run({ values, config, io }) {
    if (typeof values.tenant !== 'string') throw new CliError('--tenant is required');
    if (values.mode !== 'test' && values.mode !== 'live')
      throw new CliError('--mode must be "test" or "live"');
    const mode = values.mode;
    const tenantId = values.tenant;
    let publicJwk: unknown;
    if (typeof values['public-key'] === 'string') {
      try {
        publicJwk = JSON.parse(await readFile(values['public-key'], 'utf8'));
      } catch (error) {
        throw new CliError(
          `cannot read a JSON public key from ${values['public-key']}: ${(error as Error).message}`,
        );
      }
    }
    try {
      const scopes = typeof values.scopes === 'string' ? parseScopes(values.scopes) : undefined;
      const key = await withDatabase(config(), (handle) =>
        createApiKey({
          ctx: { db: handle.db, actor: OPERATOR },
          input: {
            tenantId,
            mode,
            ...(scopes ? { scopes } : {}),
            ...(typeof values.name === 'string' ? { name: values.name } : {}),
            ...(publicJwk ? { publicJwk: publicJwk as never } : {}),
          },
        }),
      );
      writeLine(io.stdout, JSON.stringify(key, null, 2));
      if (key.private_jwk) {
        writeLine(
          io.stderr,
          'The private key above is shown once and is not stored by Paymux. Keep it safe.',
        );
      }
      return 0;
    } catch (error) {
      if (isPaymuxError(error) && error.status < 500) throw new CliError(error.detail);
      throw error;
    }
  },
};
