import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addDevelopmentMasterKey,
  DEV_KEYRING_FILE,
  KeyringFileProvider,
  LocalKeyProvider,
  localKeyId,
  openKeyring,
  openSecret,
  rewrapEnvelope,
  type SecretContext,
  sealSecret,
  VaultError,
} from '../src/index.ts';

const context: SecretContext = {
  tenantId: 'tnt_01aaaaaaaaaaaaaaaaaaaaaaaa',
  table: 'merchant_accounts',
  recordId: 'mca_01aaaaaaaaaaaaaaaaaaaaaaaa',
  purpose: 'credentials',
};
const plaintext = Buffer.from('{"apiv3_key":"MARKER-keyring-0123456789abcdef"}');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'paymux-keyring-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
/** A data dir that does not exist yet, as on a first `paymux start`. */
function freshDataDir(): string {
  n += 1;
  return join(root, `data-${n}`, 'nested');
}

async function keysIn(dataDir: string): Promise<Buffer[]> {
  const parsed = JSON.parse(await readFile(join(dataDir, DEV_KEYRING_FILE), 'utf8')) as { keys: string[] };
  return parsed.keys.map((k) => Buffer.from(k, 'base64'));
}

async function modeOf(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Adds a key the way `paymux master-key rotate` does, a moment after the keyring was last
 * written, so these tests exercise the once-a-second re-check (the same-tick case has its
 * own test below).
 */
async function rotateKeyring(dataDir: string): Promise<void> {
  const file = join(dataDir, DEV_KEYRING_FILE);
  const before = (await stat(file)).mtimeMs;
  await sleep(50);
  await addDevelopmentMasterKey(dataDir);
  expect((await stat(file)).mtimeMs).not.toBe(before);
}

describe('openKeyring without PAYMUX_MASTER_KEY (development keyring)', () => {
  it('generates master-keys.json (mode 0600) in a new data dir and says so', async () => {
    const dataDir = freshDataDir();
    const opened = await openKeyring({ dataDir });
    const file = join(dataDir, DEV_KEYRING_FILE);
    expect(opened.source).toBe('development-keyring');
    expect(opened.generatedFile).toBe(file);
    expect(await modeOf(file)).toBe(0o600);
    const keys = await keysIn(dataDir);
    expect(keys).toHaveLength(1);
    expect(keys[0]?.length).toBe(32);
    expect(opened.provider.activeKeyId).toBe(localKeyId(keys[0] as Buffer));
    // The file holds the key, so never a copy of it under another name next to it.
    expect(opened.provider.activeKeyId).not.toContain((keys[0] as Buffer).toString('base64'));
  });

  it('reuses the generated keyring next time, without the warning flag, and opens what the first sealed', async () => {
    const dataDir = freshDataDir();
    const first = await openKeyring({ dataDir });
    const envelope = await sealSecret(first.provider, plaintext, context);
    const before = await readFile(join(dataDir, DEV_KEYRING_FILE), 'utf8');

    const second = await openKeyring({ dataDir });
    expect(second.source).toBe('development-keyring');
    expect(second.generatedFile).toBeUndefined();
    expect(second).not.toHaveProperty('generatedFile');
    expect(second.provider.activeKeyId).toBe(first.provider.activeKeyId);
    expect(await readFile(join(dataDir, DEV_KEYRING_FILE), 'utf8')).toBe(before);
    expect(await openSecret(second.provider, envelope, context)).toEqual(plaintext);
  });

  it('refuses a keyring file holding no keys or a key of the wrong length', async () => {
    const dataDir = freshDataDir();
    await openKeyring({ dataDir });
    const file = join(dataDir, DEV_KEYRING_FILE);
    await writeFile(file, JSON.stringify({ keys: [] }));
    await expect(openKeyring({ dataDir })).rejects.toThrow(/holds no master keys/);
    await writeFile(file, JSON.stringify({ keys: [randomBytes(31).toString('base64')] }));
    await expect(openKeyring({ dataDir })).rejects.toThrow(VaultError);
    await expect(openKeyring({ dataDir })).rejects.toThrow(/must be 32 bytes/);
  });
});

describe('KeyringFileProvider', () => {
  it('picks up a key added by addDevelopmentMasterKey within about a second and still opens old envelopes', async () => {
    const dataDir = freshDataDir();
    const { provider } = await openKeyring({ dataDir });
    const oldKeyId = provider.activeKeyId;
    const oldEnvelope = await sealSecret(provider, plaintext, context);
    expect(oldEnvelope.kek).toBe(oldKeyId);

    await rotateKeyring(dataDir);
    const keys = await keysIn(dataDir);
    expect(keys).toHaveLength(2);
    const newKeyId = localKeyId(keys[0] as Buffer);
    expect(localKeyId(keys[1] as Buffer)).toBe(oldKeyId);
    expect(await modeOf(join(dataDir, DEV_KEYRING_FILE))).toBe(0o600);

    const started = Date.now();
    let envelope = await sealSecret(provider, plaintext, context);
    while (envelope.kek !== newKeyId && Date.now() - started < 3_000) {
      await sleep(50);
      envelope = await sealSecret(provider, plaintext, context);
    }
    expect(envelope.kek).toBe(newKeyId);
    expect(Date.now() - started).toBeLessThan(1_600);
    expect(provider.activeKeyId).toBe(newKeyId);

    expect(await openSecret(provider, oldEnvelope, context)).toEqual(plaintext);
    expect(await openSecret(provider, envelope, context)).toEqual(plaintext);
    const rewrapped = await rewrapEnvelope(provider, oldEnvelope, context);
    expect(rewrapped.kek).toBe(newKeyId);
    expect(rewrapped.ct).toBe(oldEnvelope.ct);
    // Only the new key is needed for a re-wrapped envelope.
    expect(await openSecret(new LocalKeyProvider([keys[0] as Buffer]), rewrapped, context)).toEqual(
      plaintext,
    );
  });

  it('opens an envelope under a key it has not seen yet at once (a peer rotated a moment ago)', async () => {
    const dataDir = freshDataDir();
    await openKeyring({ dataDir });
    const file = join(dataDir, DEV_KEYRING_FILE);
    const stale = await KeyringFileProvider.open(file);
    // Just checked: without the forced refresh it would not look again for a second.
    await sealSecret(stale, plaintext, context);

    await rotateKeyring(dataDir);
    const fresh = await KeyringFileProvider.open(file);
    const envelope = await sealSecret(fresh, plaintext, context);
    expect(stale.canUnwrap(envelope.kek)).toBe(false);
    expect(await openSecret(stale, envelope, context)).toEqual(plaintext);
    expect(stale.canUnwrap(envelope.kek)).toBe(true);
  });

  it('notices a key added within the same timestamp tick as the previous write (no sleep)', async () => {
    for (let round = 0; round < 10; round += 1) {
      const dataDir = freshDataDir();
      await openKeyring({ dataDir });
      const file = join(dataDir, DEV_KEYRING_FILE);
      const stale = await KeyringFileProvider.open(file);
      await addDevelopmentMasterKey(dataDir); // immediately: same mtime tick is likely
      const fresh = await KeyringFileProvider.open(file);
      const envelope = await sealSecret(fresh, plaintext, context);
      expect(await openSecret(stale, envelope, context)).toEqual(plaintext);
    }
  });

  it('refuses to rotate a data dir that has no keyring, with a clear error', async () => {
    await expect(addDevelopmentMasterKey(freshDataDir())).rejects.toThrow(/no development keyring/);
  });

  it('generates exactly one keyring when two processes start at once', async () => {
    const dataDir = freshDataDir();
    const [a, b] = await Promise.all([openKeyring({ dataDir }), openKeyring({ dataDir })]);
    expect(a.provider.activeKeyId).toBe(b.provider.activeKeyId);
    expect(await keysIn(dataDir)).toHaveLength(1);
  });

  it('refuses an envelope under a key that is in no keyring', async () => {
    const dataDir = freshDataDir();
    const { provider } = await openKeyring({ dataDir });
    const foreign = await sealSecret(new LocalKeyProvider([randomBytes(32)]), plaintext, context);
    await expect(openSecret(provider, foreign, context)).rejects.toThrow(VaultError);
  });
});

describe('openKeyring with PAYMUX_MASTER_KEY (environment)', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('uses the environment key and writes nothing to the data dir', async () => {
    const dataDir = freshDataDir();
    const opened = await openKeyring({ masterKey: newKey.toString('base64'), dataDir });
    expect(opened.source).toBe('environment');
    expect(opened.generatedFile).toBeUndefined();
    expect(opened.provider.activeKeyId).toBe(localKeyId(newKey));
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('with previous keys, opens envelopes under the old key and seals new ones under the new', async () => {
    const oldEnvelope = await sealSecret(new LocalKeyProvider([oldKey]), plaintext, context);
    const { provider } = await openKeyring({
      masterKey: newKey.toString('base64'),
      previousMasterKeys: [randomBytes(32).toString('base64'), oldKey.toString('base64')],
      dataDir: freshDataDir(),
    });
    expect(provider.activeKeyId).toBe(localKeyId(newKey));
    expect(await openSecret(provider, oldEnvelope, context)).toEqual(plaintext);
    const sealed = await sealSecret(provider, plaintext, context);
    expect(sealed.kek).toBe(localKeyId(newKey));
    const rewrapped = await rewrapEnvelope(provider, oldEnvelope, context);
    expect(rewrapped.kek).toBe(localKeyId(newKey));
    expect(await openSecret(new LocalKeyProvider([newKey]), rewrapped, context)).toEqual(plaintext);

    // Without PAYMUX_MASTER_KEY_PREVIOUS the old envelope is unreadable: the control for the above.
    const { provider: newOnly } = await openKeyring({
      masterKey: newKey.toString('base64'),
      dataDir: freshDataDir(),
    });
    await expect(openSecret(newOnly, oldEnvelope, context)).rejects.toThrow(VaultError);
  });

  for (const [label, options, message] of [
    [
      'a 31-byte PAYMUX_MASTER_KEY',
      { masterKey: randomBytes(31).toString('base64') },
      /PAYMUX_MASTER_KEY must be 32 bytes/,
    ],
    [
      'a 33-byte PAYMUX_MASTER_KEY',
      { masterKey: randomBytes(33).toString('base64') },
      /PAYMUX_MASTER_KEY must be 32 bytes/,
    ],
    [
      'a PAYMUX_MASTER_KEY that is not base64',
      { masterKey: '!!! not base64 !!!' },
      /PAYMUX_MASTER_KEY must be 32 bytes/,
    ],
    [
      'a 16-byte PAYMUX_MASTER_KEY_PREVIOUS',
      {
        masterKey: randomBytes(32).toString('base64'),
        previousMasterKeys: [randomBytes(16).toString('base64')],
      },
      /PAYMUX_MASTER_KEY_PREVIOUS must be 32 bytes/,
    ],
  ] as const) {
    it(`refuses ${label}`, async () => {
      await expect(openKeyring({ ...options, dataDir: freshDataDir() })).rejects.toThrow(message);
    });
  }

  it('LocalKeyProvider refuses an empty keyring and keys of the wrong length', () => {
    expect(() => new LocalKeyProvider([])).toThrow(VaultError);
    expect(() => new LocalKeyProvider([randomBytes(16)])).toThrow(/32 bytes/);
    expect(() => new LocalKeyProvider([randomBytes(32), randomBytes(64)])).toThrow(/32 bytes/);
    expect(new LocalKeyProvider([newKey]).activeKeyId).toBe(localKeyId(newKey));
  });
});
