import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import type { WechatpayCredentials } from './credentials.ts';

/** WeChat Pay's deliberate probe signatures: they must never verify. */
const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';
const MAX_SKEW_S = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * The verification keys of ONE merchant account, by serial: its WeChat Pay public key
 * (PUB_KEY_ID_…) and/or platform certificates. Never a process-wide cache, so one
 * tenant's keys can never verify another tenant's traffic.
 */
export class WechatpayVerifier {
  readonly #keys = new Map<string, KeyObject>();

  constructor(credentials: WechatpayCredentials) {
    if (credentials.wechatpay_public_key && credentials.wechatpay_public_key_id) {
      this.#keys.set(credentials.wechatpay_public_key_id, createPublicKey(credentials.wechatpay_public_key));
    }
    for (const platform of credentials.platform_certificates ?? []) {
      this.#keys.set(platform.serial_no.toUpperCase(), createPublicKey(platform.certificate));
    }
  }

  /**
   * Checks a response's or notification's `Wechatpay-*` headers: known serial, timestamp
   * within ±5 min, not a SIGNTEST probe, SHA256withRSA over `ts\nnonce\nbody\n`.
   */
  verify(headers: Readonly<Record<string, string | undefined>>, rawBody: string, now: Date): SignatureCheck {
    const timestamp = headers['wechatpay-timestamp'];
    const nonce = headers['wechatpay-nonce'];
    const serial = headers['wechatpay-serial'];
    const signature = headers['wechatpay-signature'];
    if (!timestamp || !nonce || !serial || !signature)
      return { ok: false, reason: 'missing Wechatpay-* signature headers' };
    if (signature.startsWith(SIGNTEST_PREFIX))
      return { ok: false, reason: 'WECHATPAY/SIGNTEST probe signature' };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed Wechatpay-Timestamp' };
    if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > MAX_SKEW_S) {
      return { ok: false, reason: 'Wechatpay-Timestamp outside the 5-minute window' };
    }
    const key = this.#keys.get(serial) ?? this.#keys.get(serial.toUpperCase());
    if (!key) return { ok: false, reason: `unknown Wechatpay-Serial ${serial.slice(0, 64)}` };
    try {
      const valid = createVerify('RSA-SHA256')
        .update(`${timestamp}\n${nonce}\n${rawBody}\n`, 'utf8')
        .verify(key, signature, 'base64');
      return valid ? { ok: true } : { ok: false, reason: 'signature does not verify' };
    } catch {
      return { ok: false, reason: 'signature does not verify' };
    }
  }
}
