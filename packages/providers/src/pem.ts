import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';

/** Wraps a bare base64 body (as Alipay's console shows keys) in PEM armour. */
function armour(body: string, label: string): string {
  const b64 = body.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** An RSA private key from PEM (PKCS#8 or PKCS#1) or a bare base64 body; undefined if unreadable. */
export function readRsaPrivateKey(input: string): KeyObject | undefined {
  const trimmed = input.trim();
  const candidates = trimmed.startsWith('-----')
    ? [trimmed]
    : [armour(trimmed, 'PRIVATE KEY'), armour(trimmed, 'RSA PRIVATE KEY')];
  for (const pem of candidates) {
    try {
      const key = createPrivateKey(pem);
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** An RSA public key from PEM (SPKI or PKCS#1), a certificate, or a bare base64 SPKI body. */
export function readRsaPublicKey(input: string): KeyObject | undefined {
  const trimmed = input.trim();
  const candidates = trimmed.startsWith('-----')
    ? [trimmed]
    : [armour(trimmed, 'PUBLIC KEY'), armour(trimmed, 'RSA PUBLIC KEY')];
  for (const pem of candidates) {
    try {
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

export function readCertificate(input: string): X509Certificate | undefined {
  try {
    return new X509Certificate(input.trim());
  } catch {
    return undefined;
  }
}

/** `sha256:<hex>` of a public key's SPKI DER: safe to show, identifies the key. */
export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return `sha256:${createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

export function pkcs8Pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function spkiPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}
