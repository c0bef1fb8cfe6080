import { createLogger } from '@paymux/api';
import { isPaymuxError } from '@paymux/core';
import { createTenant, OPERATOR } from '@paymux/operations';
import { CliError, type Command, readStdin, writeLine } from '../command.ts';
import { withDatabase } from '../database.ts';
import { sandboxProvisionerFor } from '../sandbox.ts';
import { openVault } from '../vault.ts';

export const tenantCreateCommand: Command = {
  path: ['tenant', 'create'],
  summary: 'Create a tenant and its owner user',
  help: `Usage: paymux tenant create --name NAME --email EMAIL --password-stdin [--json]

Creates a tenant with an owner user who signs in to the portal with EMAIL.
The password is read from standard input, never from the command line.

Options:
  --name NAME         the tenant's display name
  --email EMAIL       the owner's email (unique across Paymux)
  --password-stdin    read the owner's password (at least 10 characters) from stdin
  --json              print the result as JSON: {"id": "tnt_…", …}

Example:
  printf '%s' "$OWNER_PASSWORD" | paymux tenant create --name Acme --email ops@acme.cn --password-stdin --json`,
  options: {
    name: { type: 'string' },
    email: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, config, io }) {
    if (typeof values.name !== 'string') throw new CliError('--name is required');
    if (typeof values.email !== 'string') throw new CliError('--email is required');
    if (values['password-stdin'] !== true) {
      throw new CliError('--password-stdin is required: pipe the owner password on standard input');
    }
    const password = await readStdin(io.stdin);
    const name = values.name;
    const email = values.email;
    try {
      const cfg = config();
      const created = await withDatabase(cfg, async (handle) => {
        const logger = createLogger({ level: 'warn' });
        const { provider: vault } = await openVault(cfg, io.stderr, { announce: 'generated' });
        const sandbox = await sandboxProvisionerFor(cfg, handle.url, logger);
        try {
          return await createTenant({
            ctx: { db: handle.db, actor: OPERATOR, testMode: { sandbox: sandbox.provisioner, vault } },
            input: { name, email, password },
          });
        } finally {
          await sandbox.close();
        }
      });
      const testAccounts = created.testAccounts.map((a) => ({
        id: a.id,
        provider: a.provider,
        livemode: false,
      }));
      if (values.json) {
        writeLine(
          io.stdout,
          JSON.stringify({
            id: created.tenant.id,
            object: 'tenant',
            name: created.tenant.name,
            created_at: created.tenant.created_at.toISOString(),
            owner: { id: created.owner.id, email: created.owner.email, role: 'owner' },
            test_merchant_accounts: testAccounts,
          }),
        );
      } else {
        writeLine(io.stdout, `Created tenant ${created.tenant.id} (${created.tenant.name})`);
        writeLine(io.stdout, `Owner: ${created.owner.email}`);
        for (const a of testAccounts)
          writeLine(io.stdout, `Test-mode ${a.provider} account on the sandbox: ${a.id}`);
        writeLine(io.stdout);
        writeLine(io.stdout, 'Next: create a test-mode API key:');
        writeLine(
          io.stdout,
          `  npx paymux api-key create --tenant ${created.tenant.id} --mode test > key.json`,
        );
      }
      return 0;
    } catch (error) {
      if (isPaymuxError(error) && (error.code === 'email_taken' || error.code === 'validation_failed')) {
        throw new CliError(error.detail);
      }
      throw error;
    }
  },
};
