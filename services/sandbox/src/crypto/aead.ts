import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const TAG_BYTES = 16;

export interface AeadCiphertext {
  /** base64 of ciphertext || 16-byte tag, WeChat Pay's layout. */
  readonly ciphertext: string;
  readonly nonce: string;
  readonly associatedData: string;
}

/** 12 printable characters, the nonce style WeChat Pay uses in notifications. */
export function randomNonce(length = 12): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function keyBytes(apiv3Key: string): Buffer {
  const key = Buffer.from(apiv3Key, 'utf8');
  if (key.length !== 32) throw new Error('the APIv3 key must be exactly 32 bytes');
  return key;
}

/** AEAD_AES_256_GCM with the APIv3 key, as WeChat Pay encrypts notification resources and certificates. */
export function encryptAead(
  apiv3Key: string,
  plaintext: string,
  associatedData: string,
  nonce = randomNonce(),
) {
  const cipher = createCipheriv('aes-256-gcm', keyBytes(apiv3Key), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: body.toString('base64'), nonce, associatedData } satisfies AeadCiphertext;
}

/** The inverse, checking the authentication tag (throws on any tampering or wrong key/AAD). */
export function decryptAead(apiv3Key: string, input: AeadCiphertext): string {
  const body = Buffer.from(input.ciphertext, 'base64');
  if (body.length < TAG_BYTES) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', keyBytes(apiv3Key), Buffer.from(input.nonce, 'utf8'));
  decipher.setAAD(Buffer.from(input.associatedData, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(body.subarray(0, body.length - TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}
