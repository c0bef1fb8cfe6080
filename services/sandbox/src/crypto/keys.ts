import {
  createHash,
  createPublicKey,
  generateKeyPair as generateKeyPairCallback,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPair = promisify(generateKeyPairCallback);

export interface RsaKeyPair {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  readonly privateKey: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  readonly publicKey: string;
}

/** A fresh RSA-2048 pair, as both providers use for SHA256withRSA. */
export async function generateRsaKeyPair(): Promise<RsaKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey, publicKey };
}

/** Accepts a PEM public key, a certificate, or Alipay's bare base64 SPKI body. */
export function toPublicKey(pemOrBase64: string): KeyObject {
  const trimmed = pemOrBase64.trim();
  if (trimmed.startsWith('-----')) return createPublicKey(trimmed);
  const body = trimmed.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n');
  return createPublicKey(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`);
}

/** The bare base64 body of a PEM, as Alipay shows public keys in its console. */
export function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/** SHA-256 fingerprint of a key's SPKI DER, hex. */
export function fingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}
