import * as x509 from '@peculiar/x509';
import type { Context } from 'hono';
import { encryptAead } from '../../crypto/aead.ts';
import type { WechatMerchant } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';
import type { WechatpayEnv } from '../env.ts';
import { rfc3339Shanghai } from '../time.ts';
import { faultResponse } from '../wire/fault-response.ts';
import { sendJson } from '../wire/respond.ts';

/** One `data[]` entry: the platform certificate PEM, encrypted with the APIv3 key, AAD "certificate". */
export function encryptedCertificate(merchant: WechatMerchant) {
  const certificate = new x509.X509Certificate(merchant.platform_certificate);
  const encrypted = encryptAead(merchant.apiv3_key, merchant.platform_certificate, 'certificate');
  return {
    serial_no: merchant.platform_serial_no,
    effective_time: rfc3339Shanghai(certificate.notBefore),
    expire_time: rfc3339Shanghai(certificate.notAfter),
    encrypt_certificate: {
      algorithm: 'AEAD_AES_256_GCM',
      nonce: encrypted.nonce,
      associated_data: encrypted.associatedData,
      ciphertext: encrypted.ciphertext,
    },
  };
}

/**
 * `GET /v3/certificates`: the merchant's platform certificates. Every sandbox merchant
 * has one (like a merchant that predates WeChat Pay public keys), whatever mode it
 * verifies in; the answer is signed like any other.
 */
export function downloadCertificates(deps: SandboxDeps) {
  return async (c: Context<WechatpayEnv>) => {
    const faulted = await faultResponse(c, deps, 'certificates');
    if (faulted) return faulted;
    return sendJson(c, deps, { data: [encryptedCertificate(c.get('merchant'))] });
  };
}
