import { generateKeyPairSync, randomBytes, randomInt, webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { AlipayCredentialsInput } from '../alipay/credentials.ts';
import type { WechatpayCredentialsInput } from '../wechatpay/credentials.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

function digits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i += 1) out += String(randomInt(10));
  return out;
}

function pem(label: string, der: ArrayBuffer): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`;
}

/** A self-signed RSA certificate and its key, for credential tests that need no provider. */
export async function testCertificate(options: { validDays?: number; commonName?: string } = {}) {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = randomBytes(20);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x10;
  const notBefore = new Date(Date.now() - 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${options.commonName ?? 'Paymux Test'}, O=Paymux Test, C=CN`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (options.validDays ?? 365) * 86_400_000),
    signingAlgorithm: ALG,
    keys,
  });
  return {
    certificate: cert.toString('pem'),
    privateKey: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    serialNo: serial.toString('hex').toUpperCase(),
  };
}

/** Structurally valid WeChat Pay credentials (public-key mode), generated locally. */
export async function testWechatpayCredentials(
  options: { validDays?: number; marker?: string } = {},
): Promise<WechatpayCredentialsInput> {
  const merchant = await testCertificate(
    options.validDays === undefined ? {} : { validDays: options.validDays },
  );
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const marker = options.marker ?? '';
  return {
    mchid: `19${digits(8)}`,
    appid: `wx${randomBytes(8).toString('hex')}`,
    apiv3_key: (marker + randomBytes(24).toString('base64url')).slice(0, 32).padEnd(32, 'x'),
    merchant_private_key: merchant.privateKey,
    merchant_certificate: merchant.certificate,
    merchant_serial_no: merchant.serialNo,
    wechatpay_public_key: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    wechatpay_public_key_id: `PUB_KEY_ID_${digits(32)}`,
  };
}

/** Structurally valid Alipay credentials, generated locally. */
export function testAlipayCredentials(): AlipayCredentialsInput {
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    app_id: `2021${digits(12)}`,
    app_private_key: app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    alipay_public_key: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
