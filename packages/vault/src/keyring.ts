import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type KeyProvider, VaultError } from './key-provider.ts';
import { LocalKeyProvider } from './local-key-provider.ts';

/** The development keyring in the data dir: `{"keys": [active, …older]}`, base64, mode 0600. */
export const DEV_KEYRING_FILE = 'master-keys.json';

function decodeKey(b64: string, what: string): Buffer {
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32) throw new VaultError(`${what} must be 32 bytes, base64-encoded`);
  return key;
}

async function readKeyring(file: string): Promise<Buffer[]> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { keys?: unknown };
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0)
    throw new VaultError(`${file} holds no master keys`);
  return parsed.keys.map((k, i) => decodeKey(String(k), `${file} key ${i}`));
}

/** Keyring writes replace the file (rename), so the inode changes even within one mtime tick. */
async function fileVersion(file: string): Promise<string> {
  const s = await stat(file);
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}

/** Creates the keyring only if no other process did first (two first starts must not race). */
async function createKeyringExclusively(file: string, keys: readonly Buffer[]): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ keys: keys.map((k) => k.toString('base64')) }, null, 2)}\n`, {
    mode: 0o600,
  });
  try {
    await link(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

async function writeKeyring(file: string, keys: readonly Buffer[]): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ keys: keys.map((k) => k.toString('base64')) }, null, 2)}\n`, {
    mode: 0o600,
  });
  await rename(tmp, file);
}

/**
 * Master keys from the data dir's keyring file, re-read when the file changes (checked
 * at most once a second), so `paymux master-key rotate` run beside a server takes
 * effect in that server too.
 */
export class KeyringFileProvider implements KeyProvider {
  readonly #file: string;
  #inner: LocalKeyProvider;
  #version: string;
  #checkedAt = 0;

  private constructor(file: string, inner: LocalKeyProvider, version: string) {
    this.#file = file;
    this.#inner = inner;
    this.#version = version;
  }

  static async open(file: string): Promise<KeyringFileProvider> {
    const version = await fileVersion(file);
    return new KeyringFileProvider(file, new LocalKeyProvider(await readKeyring(file)), version);
  }

  get activeKeyId(): string {
    return this.#inner.activeKeyId;
  }

  canUnwrap(keyId: string): boolean {
    return this.#inner.canUnwrap(keyId);
  }

  async wrap(dataKey: Buffer, context: string) {
    await this.#refresh(false);
    return await this.#inner.wrap(dataKey, context);
  }

  async unwrap(wrapped: Buffer, keyId: string, context: string) {
    await this.#refresh(!this.#inner.canUnwrap(keyId));
    return await this.#inner.unwrap(wrapped, keyId, context);
  }

  async #refresh(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.#checkedAt < 1_000) return;
    this.#checkedAt = now;
    const version = await fileVersion(this.#file);
    // An unknown key id re-reads regardless: it may have been written within one mtime tick.
    if (!force && version === this.#version) return;
    this.#inner = new LocalKeyProvider(await readKeyring(this.#file));
    this.#version = version;
  }
}

export interface OpenedKeyring {
  readonly provider: KeyProvider;
  readonly source: 'environment' | 'development-keyring';
  /** Set when a development master key was generated just now. */
  readonly generatedFile?: string;
}

/**
 * The master keys for this process: PAYMUX_MASTER_KEY (active) plus
 * PAYMUX_MASTER_KEY_PREVIOUS (still unwrap, during a rotation) when configured; otherwise
 * the development keyring in the data dir, generated on first use.
 */
export async function openKeyring(options: {
  masterKey?: string | undefined;
  previousMasterKeys?: readonly string[] | undefined;
  dataDir: string;
}): Promise<OpenedKeyring> {
  if (options.masterKey) {
    const keys = [
      decodeKey(options.masterKey, 'PAYMUX_MASTER_KEY'),
      ...(options.previousMasterKeys ?? []).map((k) => decodeKey(k, 'PAYMUX_MASTER_KEY_PREVIOUS')),
    ];
    return { provider: new LocalKeyProvider(keys), source: 'environment' };
  }
  const file = join(options.dataDir, DEV_KEYRING_FILE);
  let generatedFile: string | undefined;
  try {
    await stat(file);
  } catch {
    await mkdir(options.dataDir, { recursive: true });
    if (await createKeyringExclusively(file, [randomBytes(32)])) generatedFile = file;
  }
  return {
    provider: await KeyringFileProvider.open(file),
    source: 'development-keyring',
    ...(generatedFile ? { generatedFile } : {}),
  };
}

/** Adds a fresh active key to the development keyring, keeping the old ones for unwrapping. */
export async function addDevelopmentMasterKey(dataDir: string): Promise<void> {
  const file = join(dataDir, DEV_KEYRING_FILE);
  let keys: Buffer[];
  try {
    keys = await readKeyring(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new VaultError(
        `there is no development keyring in ${dataDir} to rotate (nothing has been encrypted yet)`,
      );
    }
    throw error;
  }
  await writeKeyring(file, [randomBytes(32), ...keys]);
}
