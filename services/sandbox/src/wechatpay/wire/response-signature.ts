import { randomBytes } from 'node:crypto';
import { signSha256WithRsa } from '../../crypto/rsa-signature.ts';
import type { WechatMerchant } from '../../db/schema.ts';
import { newResponseNonce } from '../ids.ts';
import { unixSeconds } from '../time.ts';

export const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

/** The key WeChat Pay signs with for a merchant, and the id it names in Wechatpay-Serial. */
export interface WechatpaySigner {
  readonly serial: string;
  readonly privateKey: string;
}

/**
 * Public-key mode signs with the WeChat Pay public key's private half (Wechatpay-Serial
 * `PUB_KEY_ID_…`), certificate mode with the platform certificate's key. A request may
 * name one in its own Wechatpay-Serial header, which is how WeChat picks the key for a
 * merchant migrating between the two; otherwise the merchant's mode decides.
 */
export function wechatpaySigner(merchant: WechatMerchant, requestedSerial?: string): WechatpaySigner {
  const publicKey = { serial: merchant.wechatpay_public_key_id, privateKey: merchant.wechatpay_private_key };
  const platform = { serial: merchant.platform_serial_no, privateKey: merchant.platform_private_key };
  const requested = requestedSerial?.trim().toUpperCase();
  if (requested && requested === publicKey.serial.toUpperCase()) return publicKey;
  if (requested && requested === platform.serial.toUpperCase()) return platform;
  return merchant.verification_mode === 'public_key' ? publicKey : platform;
}

/** The signed message of a response or notification: `timestamp\nnonce\nbody\n`. */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/**
 * The four Wechatpay-* headers plus Wechatpay-Signature-Type for one body. A `signtest`
 * probe carries a deliberately wrong signature with WeChat's SIGNTEST prefix, which a
 * merchant must reject like any other bad signature.
 */
export function signatureHeaders(
  signer: WechatpaySigner,
  body: string,
  now: Date,
  options: { signtest?: boolean } = {},
): Record<string, string> {
  const timestamp = String(unixSeconds(now));
  const nonce = newResponseNonce();
  const signature = options.signtest
    ? `${SIGNTEST_PREFIX}${randomBytes(256).toString('base64')}`
    : signSha256WithRsa(signer.privateKey, responseMessage(timestamp, nonce, body));
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': signer.serial,
    'Wechatpay-Signature': signature,
    'Wechatpay-Signature-Type': SIGNATURE_TYPE,
  };
}
