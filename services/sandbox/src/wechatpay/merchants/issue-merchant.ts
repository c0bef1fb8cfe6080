import { issueCertificate } from '../../crypto/certificates.ts';
import { generateRsaKeyPair } from '../../crypto/keys.ts';
import type { SandboxDeps } from '../../deps.ts';
import { newApiv3Key, newAppid, newMchid, newPublicKeyId } from '../ids.ts';

export type VerificationMode = 'public_key' | 'platform_certificate';

export interface IssueMerchantInput {
  readonly name?: string;
  readonly appid?: string;
  readonly verificationMode?: VerificationMode;
}

/**
 * Everything a merchant takes away from onboarding: its own key pair and API certificate
 * (the private key is shown once and never stored), the APIv3 key, and WeChat Pay's
 * public key and platform certificate to verify answers and notifications with.
 */
export interface MerchantBundle {
  readonly mchid: string;
  readonly appid: string;
  readonly name: string;
  readonly verification_mode: VerificationMode;
  readonly apiv3_key: string;
  readonly merchant_private_key: string;
  readonly merchant_certificate: string;
  readonly merchant_serial_no: string;
  readonly wechatpay_public_key: string;
  readonly wechatpay_public_key_id: string;
  readonly platform_certificate: string;
  readonly platform_serial_no: string;
}

const CERT_VALID_DAYS = 5 * 365;
const MAX_ATTEMPTS = 5;

/** Onboards a merchant: generates its credentials and WeChat Pay's keys for it, stores the public half. */
export async function issueMerchant(deps: SandboxDeps, input: IssueMerchantInput): Promise<MerchantBundle> {
  const now = deps.now();
  const [platform, wechatpayKey] = await Promise.all([
    issueCertificate({
      commonName: 'Tenpay.com sign',
      organization: 'Tenpay.com',
      notBefore: now,
      validDays: CERT_VALID_DAYS,
    }),
    generateRsaKeyPair(),
  ]);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const mchid = newMchid();
    // The merchant API certificate names the merchant number as its CN, as WeChat's do.
    const merchantCert = await issueCertificate({
      commonName: mchid,
      organization: 'WeChat Pay Merchant System',
      notBefore: now,
      validDays: CERT_VALID_DAYS,
    });
    const row = {
      mchid,
      appid: input.appid ?? newAppid(),
      name: input.name ?? `Sandbox merchant ${mchid}`,
      apiv3_key: newApiv3Key(),
      merchant_certificate: merchantCert.certificate,
      merchant_serial_no: merchantCert.serialNo,
      wechatpay_private_key: wechatpayKey.privateKey,
      wechatpay_public_key: wechatpayKey.publicKey,
      wechatpay_public_key_id: newPublicKeyId(),
      platform_private_key: platform.privateKey,
      platform_certificate: platform.certificate,
      platform_serial_no: platform.serialNo,
      verification_mode: input.verificationMode ?? 'public_key',
      created_at: now,
    } as const;
    const inserted = await deps.db
      .insertInto('wechat_merchants')
      .values(row)
      .onConflict((oc) => oc.column('mchid').doNothing())
      .returning('mchid')
      .executeTakeFirst();
    if (!inserted) continue; // a 1-in-10^8 mchid collision: draw again
    return {
      mchid,
      appid: row.appid,
      name: row.name,
      verification_mode: row.verification_mode,
      apiv3_key: row.apiv3_key,
      merchant_private_key: merchantCert.privateKey,
      merchant_certificate: row.merchant_certificate,
      merchant_serial_no: row.merchant_serial_no,
      wechatpay_public_key: row.wechatpay_public_key,
      wechatpay_public_key_id: row.wechatpay_public_key_id,
      platform_certificate: row.platform_certificate,
      platform_serial_no: row.platform_serial_no,
    };
  }
  throw new Error('could not allocate a free mchid');
}
