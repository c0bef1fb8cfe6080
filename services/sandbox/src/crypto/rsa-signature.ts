import { createSign, createVerify, type KeyLike } from 'node:crypto';

/** SHA256withRSA (PKCS#1 v1.5) over UTF-8, base64: both providers' signature. */
export function signSha256WithRsa(privateKey: KeyLike, message: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKey, 'base64');
}

/** Verifies a base64 SHA256withRSA signature; false (never a throw) on malformed input. */
export function verifySha256WithRsa(publicKey: KeyLike, message: string, signature: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}
