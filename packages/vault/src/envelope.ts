import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type KeyProvider, VaultError } from './key-provider.ts';

/** What a ciphertext is bound to: moving it to another tenant, row or purpose breaks decryption. */
export interface SecretContext {
  readonly tenantId: string;
  /** e.g. `merchant_accounts`, `webhook_endpoints`. */
  readonly table: string;
  readonly recordId: string;
  /** e.g. `credentials`, `signing_secret`. */
  readonly purpose: string;
}

/**
 * A stored secret (JSON in a jsonb column): the data key wrapped by a master key, and the
 * secret encrypted under the data key with AES-256-GCM. Fields are base64.
 */
export interface Envelope {
  readonly v: 1;
  /** Which master key wrapped the data key (rotation re-wraps only this part). */
  readonly kek: string;
  readonly dek: string;
  readonly nonce: string;
  /** ciphertext || 16-byte tag */
  readonly ct: string;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function contextString(context: SecretContext): string {
  for (const part of [context.tenantId, context.table, context.recordId, context.purpose]) {
    if (part.length === 0 || part.includes('|'))
      throw new VaultError('secret context parts must be non-empty and contain no "|"');
  }
  return `paymux:v1|${context.tenantId}|${context.table}|${context.recordId}|${context.purpose}`;
}

/** Encrypts `plaintext` under a fresh 256-bit data key, wrapped by the active master key. */
export async function sealSecret(
  provider: KeyProvider,
  plaintext: Buffer,
  context: SecretContext,
): Promise<Envelope> {
  const aad = contextString(context);
  const dataKey = randomBytes(32);
  try {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const { keyId, wrapped } = await provider.wrap(dataKey, aad);
    return {
      v: 1,
      kek: keyId,
      dek: wrapped.toString('base64'),
      nonce: nonce.toString('base64'),
      ct: ct.toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

function parseEnvelope(value: unknown): Envelope {
  const e = value as Partial<Envelope> | null;
  if (
    e?.v !== 1 ||
    typeof e.kek !== 'string' ||
    typeof e.dek !== 'string' ||
    typeof e.nonce !== 'string' ||
    typeof e.ct !== 'string'
  ) {
    throw new VaultError('not a Paymux secret envelope');
  }
  return e as Envelope;
}

/** Decrypts an envelope for exactly this context; throws VaultError on any mismatch or tampering. */
export async function openSecret(
  provider: KeyProvider,
  envelope: unknown,
  context: SecretContext,
): Promise<Buffer> {
  const e = parseEnvelope(envelope);
  const aad = contextString(context);
  const dataKey = await provider.unwrap(Buffer.from(e.dek, 'base64'), e.kek, aad);
  try {
    const ct = Buffer.from(e.ct, 'base64');
    if (ct.length < TAG_BYTES) throw new VaultError('ciphertext is malformed');
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(e.nonce, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
    return Buffer.concat([decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final()]);
  } catch (error) {
    if (error instanceof VaultError) throw error;
    throw new VaultError('secret does not decrypt (wrong record or tampered)');
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Re-wraps the data key under the provider's active master key; the ciphertext is
 * untouched. Idempotent: an envelope already under the active key is returned as is.
 */
export async function rewrapEnvelope(
  provider: KeyProvider,
  envelope: unknown,
  context: SecretContext,
): Promise<Envelope> {
  const e = parseEnvelope(envelope);
  if (e.kek === provider.activeKeyId) return e;
  const aad = contextString(context);
  const dataKey = await provider.unwrap(Buffer.from(e.dek, 'base64'), e.kek, aad);
  try {
    const { keyId, wrapped } = await provider.wrap(dataKey, aad);
    return { ...e, kek: keyId, dek: wrapped.toString('base64') };
  } finally {
    dataKey.fill(0);
  }
}
