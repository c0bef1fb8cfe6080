import { randomBytes, randomInt } from 'node:crypto';
import { shanghaiDateTime } from '../bills/day-activity.ts';

// Identifiers shaped like WeChat Pay's own, so code that validates or stores them
// (lengths, prefixes, digit-only columns) meets the real thing in the sandbox.

function digits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += String(randomInt(10));
  return out;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** yyyyMMdd / yyyyMMddHHmmss in Asia/Shanghai, the date stamps inside WeChat's ids. */
function stamp(instant: Date, withTime: boolean): string {
  const compact = shanghaiDateTime(instant).replace(/[- :]/g, '');
  return withTime ? compact : compact.slice(0, 8);
}

/** A 10-digit merchant number, e.g. 1912345678. */
export function newMchid(): string {
  return `19${digits(8)}`;
}

/** wx + 16 hex, the shape of an official-account / mini-program / app id. */
export function newAppid(): string {
  return `wx${hex(8)}`;
}

/** 32 printable ASCII characters: the APIv3 key must be exactly 32 bytes (AES-256). */
export function newApiv3Key(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 32; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** PUB_KEY_ID_ + 32 digits, the id WeChat Pay sends in Wechatpay-Serial in public-key mode. */
export function newPublicKeyId(): string {
  return `PUB_KEY_ID_${digits(32)}`;
}

/** 28 digits: 4200000 + yyyyMMdd + 13 digits, like 4200000925202101284997714292. */
export function newTransactionId(now: Date): string {
  return `4200000${stamp(now, false)}${digits(13)}`;
}

/** wx + yyyyMMddHHmmss + 20 hex, like wx201410272009395522657a690389285100. */
export function newPrepayId(now: Date): string {
  return `wx${stamp(now, true)}${hex(10)}`;
}

/** 29 digits starting 503, like 50300807172021020106006664916. */
export function newRefundId(): string {
  return `50300${digits(24)}`;
}

/** Upper-case hex request id with WeChat's "-0" suffix style. */
export function newRequestId(): string {
  return `${hex(20).toUpperCase()}-0`;
}

/** 32 upper-case hex characters for Wechatpay-Nonce. */
export function newResponseNonce(): string {
  return hex(16).toUpperCase();
}
