import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  LocalKeyProvider,
  localKeyId,
  openSecret,
  rewrapEnvelope,
  Secret,
  type SecretContext,
  sealSecret,
  VaultError,
} from '../src/index.ts';

const masterA = randomBytes(32);
const masterB = randomBytes(32);
const context: SecretContext = {
  tenantId: 'tnt_01aaaaaaaaaaaaaaaaaaaaaaaa',
  table: 'merchant_accounts',
  recordId: 'mca_01aaaaaaaaaaaaaaaaaaaaaaaa',
  purpose: 'credentials',
};
const plaintext = Buffer.from('-----BEGIN PRIVATE KEY-----\nMARKER-秘密\n-----END PRIVATE KEY-----\n');

describe('envelope encryption', () => {
  it('round-trips a secret and never stores it in clear', async () => {
    const provider = new LocalKeyProvider([masterA]);
    const envelope = await sealSecret(provider, plaintext, context);
    expect(envelope.kek).toBe(localKeyId(masterA));
    expect(JSON.stringify(envelope)).not.toContain('MARKER');
    expect(JSON.stringify(envelope)).not.toContain(masterA.toString('base64'));
    expect(await openSecret(provider, envelope, context)).toEqual(plaintext);
  });

  it('uses a fresh data key and nonce for every record', async () => {
    const provider = new LocalKeyProvider([masterA]);
    const envelopes = await Promise.all(
      Array.from({ length: 200 }, () => sealSecret(provider, plaintext, context)),
    );
    expect(new Set(envelopes.map((e) => e.nonce)).size).toBe(200);
    expect(new Set(envelopes.map((e) => e.dek)).size).toBe(200);
    expect(new Set(envelopes.map((e) => e.ct)).size).toBe(200);
  });

  for (const [field, value] of [
    ['tenantId', 'tnt_01bbbbbbbbbbbbbbbbbbbbbbbb'],
    ['table', 'webhook_endpoints'],
    ['recordId', 'mca_01bbbbbbbbbbbbbbbbbbbbbbbb'],
    ['purpose', 'signing_secret'],
  ] as const) {
    it(`refuses to decrypt under another ${field} (a ciphertext copied elsewhere)`, async () => {
      const provider = new LocalKeyProvider([masterA]);
      const envelope = await sealSecret(provider, plaintext, context);
      await expect(openSecret(provider, envelope, { ...context, [field]: value })).rejects.toBeInstanceOf(
        VaultError,
      );
    });
  }

  for (const field of ['ct', 'nonce', 'dek'] as const) {
    it(`detects a one-byte change in ${field}`, async () => {
      const provider = new LocalKeyProvider([masterA]);
      const envelope = await sealSecret(provider, plaintext, context);
      const bytes = Buffer.from(envelope[field], 'base64');
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
      await expect(
        openSecret(provider, { ...envelope, [field]: bytes.toString('base64') }, context),
      ).rejects.toBeInstanceOf(VaultError);
    });
  }

  it('refuses an unknown master key and a malformed envelope', async () => {
    const envelope = await sealSecret(new LocalKeyProvider([masterA]), plaintext, context);
    await expect(openSecret(new LocalKeyProvider([masterB]), envelope, context)).rejects.toBeInstanceOf(
      VaultError,
    );
    await expect(openSecret(new LocalKeyProvider([masterA]), { v: 2 }, context)).rejects.toBeInstanceOf(
      VaultError,
    );
    await expect(openSecret(new LocalKeyProvider([masterA]), null, context)).rejects.toBeInstanceOf(
      VaultError,
    );
  });

  it('refuses context parts that could be confused ("|" or empty)', async () => {
    const provider = new LocalKeyProvider([masterA]);
    await expect(sealSecret(provider, plaintext, { ...context, purpose: 'a|b' })).rejects.toBeInstanceOf(
      VaultError,
    );
    await expect(sealSecret(provider, plaintext, { ...context, table: '' })).rejects.toBeInstanceOf(
      VaultError,
    );
  });

  it('rotates by re-wrapping the data key only; both keys decrypt meanwhile', async () => {
    const oldProvider = new LocalKeyProvider([masterA]);
    const envelope = await sealSecret(oldProvider, plaintext, context);
    const rotating = new LocalKeyProvider([masterB, masterA]);
    // During the rotation an old envelope still opens.
    expect(await openSecret(rotating, envelope, context)).toEqual(plaintext);
    const rewrapped = await rewrapEnvelope(rotating, envelope, context);
    expect(rewrapped.kek).toBe(localKeyId(masterB));
    expect(rewrapped.ct).toBe(envelope.ct);
    expect(rewrapped.nonce).toBe(envelope.nonce);
    expect(rewrapped.dek).not.toBe(envelope.dek);
    // Afterwards the old key can go.
    expect(await openSecret(new LocalKeyProvider([masterB]), rewrapped, context)).toEqual(plaintext);
    await expect(openSecret(oldProvider, rewrapped, context)).rejects.toBeInstanceOf(VaultError);
    // Idempotent.
    expect(await rewrapEnvelope(rotating, rewrapped, context)).toEqual(rewrapped);
  });

  it('refuses master keys that are not 32 bytes', () => {
    expect(() => new LocalKeyProvider([randomBytes(16)])).toThrow(VaultError);
    expect(() => new LocalKeyProvider([])).toThrow(VaultError);
  });
});

describe('Secret', () => {
  it('redacts its string, JSON and inspect forms', () => {
    const secret = new Secret('whsec_MARKER');
    expect(`${secret}`).toBe('[secret]');
    expect(String(secret)).toBe('[secret]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[secret]"}');
    expect(inspect({ secret })).not.toContain('MARKER');
    expect(secret.expose()).toBe('whsec_MARKER');
  });
});
