import { createHash } from 'node:crypto';
import type { FieldError } from '@paymux/core';
import { z } from 'zod';
import type { CredentialCheck } from '../credentials.ts';
import {
  keyFingerprint,
  pkcs8Pem,
  readCertificate,
  readRsaPrivateKey,
  readRsaPublicKey,
  spkiPem,
} from '../pem.ts';

/** What a tenant submits (the sandbox bundle's field names). */
export const wechatpayCredentialsInput = z
  .object({
    mchid: z.string().regex(/^\d{8,12}$/, 'must be the 8–12 digit merchant id'),
    appid: z.string().regex(/^wx[0-9A-Za-z]{16}$/, 'must be a WeChat appid (wx + 16 characters)'),
    apiv3_key: z.string(),
    merchant_private_key: z.string().min(1),
    merchant_serial_no: z.string().optional(),
    merchant_certificate: z.string().optional(),
    wechatpay_public_key: z.string().optional(),
    wechatpay_public_key_id: z.string().optional(),
    platform_certificates: z.array(z.string()).min(1).max(10).optional(),
  })
  .strict();

export type WechatpayCredentialsInput = z.input<typeof wechatpayCredentialsInput>;

/** Normalised WeChat Pay credentials, as sealed in the vault and handed to the adapter. */
export interface WechatpayCredentials {
  readonly mchid: string;
  readonly appid: string;
  readonly apiv3_key: string;
  /** PKCS#8 PEM. */
  readonly merchant_private_key: string;
  /** Upper-case hex. */
  readonly merchant_serial_no: string;
  readonly merchant_certificate?: string;
  /** SPKI PEM, with its `PUB_KEY_ID_…`: "WeChat Pay public key" verification mode. */
  readonly wechatpay_public_key?: string;
  readonly wechatpay_public_key_id?: string;
  /** Platform certificates by serial: the older verification mode. */
  readonly platform_certificates?: ReadonlyArray<{ serial_no: string; certificate: string }>;
}

/**
 * Validates WeChat Pay credentials with field-level errors: a malformed PEM, a private
 * key that does not match the certificate, an APIv3 key that is not exactly 32 bytes,
 * and a missing platform verification key are all refused.
 */
export function checkWechatpayCredentials(input: unknown): CredentialCheck<WechatpayCredentials> {
  const parsed = wechatpayCredentialsInput.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      fields: parsed.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => ({ path: `credentials.${k}`, message: 'unknown field' }))
          : [{ path: ['credentials', ...i.path.map(String)].join('.'), message: i.message }],
      ),
    };
  }
  const c = parsed.data;
  const fields: FieldError[] = [];
  const fail = (path: string, message: string) => fields.push({ path: `credentials.${path}`, message });

  const apiv3Bytes = Buffer.byteLength(c.apiv3_key, 'utf8');
  if (apiv3Bytes !== 32) fail('apiv3_key', `must be exactly 32 bytes (got ${apiv3Bytes})`);

  const privateKey = readRsaPrivateKey(c.merchant_private_key);
  if (!privateKey) fail('merchant_private_key', 'must be an RSA private key in PEM (PKCS#8 or PKCS#1)');

  let serialNo = c.merchant_serial_no?.trim().toUpperCase();
  let certificateExpiresAt: Date | null = null;
  if (c.merchant_certificate !== undefined) {
    const cert = readCertificate(c.merchant_certificate);
    if (!cert) {
      fail('merchant_certificate', 'must be an X.509 certificate in PEM');
    } else {
      if (privateKey && !cert.checkPrivateKey(privateKey)) {
        fail('merchant_private_key', 'does not match merchant_certificate');
      }
      const certSerial = cert.serialNumber.toUpperCase();
      if (serialNo && serialNo !== certSerial) {
        fail('merchant_serial_no', `does not match merchant_certificate (its serial is ${certSerial})`);
      }
      serialNo = certSerial;
      certificateExpiresAt = new Date(cert.validTo);
    }
  }
  if (!serialNo) fail('merchant_serial_no', 'is required unless merchant_certificate is given');
  else if (!/^[0-9A-F]{8,40}$/.test(serialNo))
    fail('merchant_serial_no', 'must be the certificate serial in hex');

  const fingerprints: Record<string, string> = {};
  let publicKeyPem: string | undefined;
  const hasPublicKey = c.wechatpay_public_key !== undefined || c.wechatpay_public_key_id !== undefined;
  if (hasPublicKey) {
    const key = c.wechatpay_public_key ? readRsaPublicKey(c.wechatpay_public_key) : undefined;
    if (!key) fail('wechatpay_public_key', 'must be the WeChat Pay public key in PEM');
    else {
      publicKeyPem = spkiPem(key);
      fingerprints.wechatpay_public_key = keyFingerprint(key);
    }
    if (!c.wechatpay_public_key_id || !/^PUB_KEY_ID_\d{10,40}$/.test(c.wechatpay_public_key_id)) {
      fail('wechatpay_public_key_id', 'must be the public key id (PUB_KEY_ID_…) shown with the key');
    }
  }
  const platformCertificates: Array<{ serial_no: string; certificate: string }> = [];
  for (const [i, pem] of (c.platform_certificates ?? []).entries()) {
    const cert = readCertificate(pem);
    if (!cert) {
      fail(`platform_certificates.${i}`, 'must be an X.509 certificate in PEM');
      continue;
    }
    platformCertificates.push({ serial_no: cert.serialNumber.toUpperCase(), certificate: cert.toString() });
    fingerprints[`platform_certificate_${cert.serialNumber.toUpperCase()}`] = keyFingerprint(cert.publicKey);
    const expires = new Date(cert.validTo);
    if (!certificateExpiresAt || expires < certificateExpiresAt) certificateExpiresAt = expires;
  }
  if (!hasPublicKey && platformCertificates.length === 0 && fields.length === 0) {
    fail('wechatpay_public_key', 'give the WeChat Pay public key and its id, or platform_certificates');
  }
  if (fields.length > 0 || !privateKey || !serialNo) return { ok: false, fields };

  fingerprints.merchant_private_key = keyFingerprint(privateKey);
  // A 32-byte random key's hash reveals nothing usable; it lets an admin tell keys apart.
  fingerprints.apiv3_key = `sha256:${createHash('sha256').update(c.apiv3_key, 'utf8').digest('hex').slice(0, 16)}`;
  const secret: WechatpayCredentials = {
    mchid: c.mchid,
    appid: c.appid,
    apiv3_key: c.apiv3_key,
    merchant_private_key: pkcs8Pem(privateKey),
    merchant_serial_no: serialNo,
    ...(c.merchant_certificate ? { merchant_certificate: c.merchant_certificate.trim() } : {}),
    ...(publicKeyPem && c.wechatpay_public_key_id
      ? { wechatpay_public_key: publicKeyPem, wechatpay_public_key_id: c.wechatpay_public_key_id }
      : {}),
    ...(platformCertificates.length ? { platform_certificates: platformCertificates } : {}),
  };
  const identifiers: Record<string, string | string[]> = {
    mchid: c.mchid,
    appid: c.appid,
    merchant_serial_no: serialNo,
  };
  if (secret.wechatpay_public_key_id) identifiers.wechatpay_public_key_id = secret.wechatpay_public_key_id;
  if (platformCertificates.length)
    identifiers.platform_serial_nos = platformCertificates.map((p) => p.serial_no);
  return { ok: true, value: { secret, identifiers, fingerprints, certificateExpiresAt } };
}
