import { type OpenedKeyring, openKeyring } from '@paymux/vault';
import { writeLine } from './command.ts';
import type { Config } from './config.ts';

/** The process's master keys (PAYMUX_MASTER_KEY, or the development keyring), with the dev-mode warning. */
/** `announce: 'generated'` stays quiet about an existing development keyring (one-shot commands). */
export async function openVault(
  config: Config,
  stderr: NodeJS.WritableStream,
  options: { announce?: 'always' | 'generated' } = {},
): Promise<OpenedKeyring> {
  if (!config.masterKey && config.previousMasterKeys.length > 0) {
    throw new Error('PAYMUX_MASTER_KEY_PREVIOUS is set without PAYMUX_MASTER_KEY');
  }
  const keyring = await openKeyring({
    masterKey: config.masterKey,
    previousMasterKeys: config.previousMasterKeys,
    dataDir: config.dataDir,
  });
  const announce = options.announce ?? 'always';
  if (keyring.source === 'development-keyring' && (announce === 'always' || keyring.generatedFile)) {
    writeLine(
      stderr,
      keyring.generatedFile
        ? `Warning: PAYMUX_MASTER_KEY is not set; generated a development master key in ${keyring.generatedFile}. Set PAYMUX_MASTER_KEY (openssl rand -base64 32) in production.`
        : `Warning: PAYMUX_MASTER_KEY is not set; using the development master key in ${config.dataDir}.`,
    );
  }
  return keyring;
}
