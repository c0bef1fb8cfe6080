import type { FieldError } from '@paymux/core';
import { z } from 'zod';
import type { CredentialCheck } from '../credentials.ts';
import { keyFingerprint, pkcs8Pem, readRsaPrivateKey, readRsaPublicKey, spkiPem } from '../pem.ts';

export const alipayCredentialsInput = z
  .object({
    app_id: z.string().regex(/^\d{16}$/, 'must be the 16-digit Alipay app id'),
    app_private_key: z.string().min(1),
    alipay_public_key: z.string().min(1),
  })
  .strict();

export type AlipayCredentialsInput = z.input<typeof alipayCredentialsInput>;

/** Normalised Alipay credentials (public-key mode), as sealed in the vault. */
export interface AlipayCredentials {
  readonly app_id: string;
  /** PKCS#8 PEM. */
  readonly app_private_key: string;
  /** SPKI PEM. */
  readonly alipay_public_key: string;
}

/** Validates Alipay credentials: keys may be PEM or the bare base64 Alipay's console shows, PKCS#1 or PKCS#8. */
export function checkAlipayCredentials(input: unknown): CredentialCheck<AlipayCredentials> {
  const parsed = alipayCredentialsInput.safeParse(input);
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
  const privateKey = readRsaPrivateKey(c.app_private_key);
  if (!privateKey) {
    fields.push({
      path: 'credentials.app_private_key',
      message: 'must be an RSA private key (PEM or base64, PKCS#1 or PKCS#8)',
    });
  }
  const alipayKey = readRsaPublicKey(c.alipay_public_key);
  if (!alipayKey) {
    fields.push({
      path: 'credentials.alipay_public_key',
      message: "must be Alipay's RSA public key (PEM or base64)",
    });
  }
  if (!privateKey || !alipayKey) return { ok: false, fields };
  return {
    ok: true,
    value: {
      secret: {
        app_id: c.app_id,
        app_private_key: pkcs8Pem(privateKey),
        alipay_public_key: spkiPem(alipayKey),
      },
      identifiers: { app_id: c.app_id },
      fingerprints: {
        app_private_key: keyFingerprint(privateKey),
        alipay_public_key: keyFingerprint(alipayKey),
      },
      certificateExpiresAt: null,
    },
  };
}
