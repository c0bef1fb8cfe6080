import { countStale, rewrapSecrets } from '@paymux/operations';
import { addDevelopmentMasterKey, VaultError } from '@paymux/vault';
import { CliError, type Command, writeLine } from '../command.ts';
import { withDatabase } from '../database.ts';
import { openVault } from '../vault.ts';

export const masterKeyRotateCommand: Command = {
  path: ['master-key', 'rotate'],
  summary: 'Re-wrap every data key under a new master key (safe while servers run)',
  help: `Usage: paymux master-key rotate [--resume]

Re-wraps the data key of every stored secret under the active master key; the
encrypted secrets themselves are untouched. Old and new master keys both decrypt
throughout, so servers keep working. Interrupted? Run it again with --resume.

With PAYMUX_MASTER_KEY set (production):
  1. deploy every process with PAYMUX_MASTER_KEY=<new> and PAYMUX_MASTER_KEY_PREVIOUS=<old>;
  2. run \`paymux master-key rotate\` (same environment): it re-wraps under <new>;
  3. remove PAYMUX_MASTER_KEY_PREVIOUS and redeploy.

Without PAYMUX_MASTER_KEY (development keyring in PAYMUX_DATA_DIR): generates a new
master key into the keyring (running servers pick it up within a second), then
re-wraps. --resume skips generating a key.`,
  options: { resume: { type: 'boolean' } },
  async run({ values, config: loadConfig, io }) {
    const config = loadConfig();
    if (config.masterKey && config.previousMasterKeys.length === 0 && !values.resume) {
      throw new CliError(
        'set PAYMUX_MASTER_KEY_PREVIOUS to the old key(s) (and PAYMUX_MASTER_KEY to the new one) before rotating',
      );
    }
    if (!config.masterKey && !values.resume) {
      try {
        await addDevelopmentMasterKey(config.dataDir);
      } catch (error) {
        if (error instanceof VaultError) throw new CliError(error.message);
        throw error;
      }
      writeLine(io.stdout, `Generated a new development master key in ${config.dataDir}.`);
    }
    const { provider } = await openVault(config, io.stderr);
    const result = await withDatabase(config, async (handle) => {
      const before = await countStale(handle.db, provider);
      writeLine(io.stdout, `Re-wrapping ${before} secret(s) under ${provider.activeKeyId}…`);
      return await rewrapSecrets(handle.db, provider, {
        onProgress: (p) => writeLine(io.stdout, `  re-wrapped ${p.rewrapped}, remaining ${p.remaining}`),
      });
    });
    writeLine(
      io.stdout,
      `Done: ${result.rewrapped} re-wrapped; every secret is under ${provider.activeKeyId}.`,
    );
    if (config.masterKey) writeLine(io.stdout, 'You can now remove PAYMUX_MASTER_KEY_PREVIOUS.');
    return 0;
  },
};
