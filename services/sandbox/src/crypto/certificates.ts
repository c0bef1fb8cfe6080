import { randomBytes, webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

export interface IssuedCertificate {
  /** PEM certificate. */
  readonly certificate: string;
  /** PKCS#8 PEM private key of the certificate's subject. */
  readonly privateKey: string;
  /** SPKI PEM public key of the subject. */
  readonly publicKey: string;
  /** Serial number as upper-case hex, 40 digits, as WeChat Pay shows it. */
  readonly serialNo: string;
  readonly notAfter: Date;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * Issues a self-signed RSA-2048 certificate. Neither SDK validates the chain (see the
 * provider reference), so the sandbox needs no CA hierarchy.
 */
export async function issueCertificate(options: {
  commonName: string;
  organization: string;
  notBefore: Date;
  validDays: number;
}): Promise<IssuedCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  // A positive 160-bit serial (first byte below 0x80), printed as 40 hex digits.
  const serial = randomBytes(20);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x10;
  const serialNo = serial.toString('hex').toUpperCase();
  const notAfter = new Date(options.notBefore.getTime() + options.validDays * 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNo,
    name: `CN=${options.commonName}, O=${options.organization}, C=CN`,
    notBefore: options.notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys,
  });
  return {
    certificate: cert.toString('pem'),
    privateKey: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    publicKey: pem('PUBLIC KEY', await webcrypto.subtle.exportKey('spki', keys.publicKey)),
    serialNo,
    notAfter,
  };
}

/** The serial number of a PEM certificate, upper-case hex. */
export function certificateSerial(certificatePem: string): string {
  return new x509.X509Certificate(certificatePem).serialNumber.toUpperCase();
}
