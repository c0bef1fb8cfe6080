import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { type KeyProvider, VaultError } from './key-provider.ts';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The id of a local master key: a short fingerprint, never the key. */
export function localKeyId(masterKey: Buffer): string {
  return `local:${createHash('sha256').update('paymux-master-key-id').update(masterKey).digest('hex').slice(0, 16)}`;
}

/**
 * Master keys held in process memory (from PAYMUX_MASTER_KEY, or the development keyring
 * in the data dir). Data keys are wrapped with AES-256-GCM: nonce || ciphertext || tag,
 * with the record context as associated data.
 */
export class LocalKeyProvider implements KeyProvider {
  readonly activeKeyId: string;
  readonly #keys: Map<string, Buffer>;

  /** `masterKeys[0]` is active; the others still unwrap (during a rotation). */
  constructor(masterKeys: readonly Buffer[]) {
    if (masterKeys.length === 0) throw new VaultError('at least one master key is required');
    this.#keys = new Map();
    for (const key of masterKeys) {
      if (key.length !== 32) throw new VaultError('a master key must be 32 bytes');
      this.#keys.set(localKeyId(key), Buffer.from(key));
    }
    this.activeKeyId = localKeyId(masterKeys[0] as Buffer);
  }

  canUnwrap(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  async wrap(dataKey: Buffer, context: string): Promise<{ keyId: string; wrapped: Buffer }> {
    const masterKey = this.#keys.get(this.activeKeyId) as Buffer;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', masterKey, nonce);
    cipher.setAAD(Buffer.from(`${this.activeKeyId}|${context}`, 'utf8'));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { keyId: this.activeKeyId, wrapped: Buffer.concat([nonce, body, cipher.getAuthTag()]) };
  }

  async unwrap(wrapped: Buffer, keyId: string, context: string): Promise<Buffer> {
    const masterKey = this.#keys.get(keyId);
    if (!masterKey) throw new VaultError(`master key ${keyId} is not available`);
    if (wrapped.length < NONCE_BYTES + TAG_BYTES + 1) throw new VaultError('wrapped data key is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', masterKey, wrapped.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(`${keyId}|${context}`, 'utf8'));
      decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(wrapped.subarray(NONCE_BYTES, wrapped.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new VaultError('data key does not unwrap (wrong context or tampered)');
    }
  }
}
