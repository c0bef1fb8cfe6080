import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BillType } from './trade-bill.ts';

export interface BillTokenClaims {
  readonly mchid: string;
  readonly billDate: string;
  readonly billType: BillType;
  readonly gzip: boolean;
  /** Unix seconds. */
  readonly expiresAt: number;
}

const mac = (apiv3Key: string, payload: string) => createHmac('sha256', apiv3Key).update(payload).digest();

/**
 * The download_url token: self-describing claims plus an HMAC with the merchant's APIv3
 * key, so the sandbox keeps no state between applying for a bill and downloading it.
 */
export function issueBillToken(apiv3Key: string, claims: BillTokenClaims): string {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${payload}.${mac(apiv3Key, payload).toString('base64url')}`;
}

/** The claims without checking them (to learn whose key to check them with). */
export function readBillToken(token: string): BillTokenClaims | undefined {
  const [payload] = token.split('.');
  try {
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as BillTokenClaims;
    return typeof claims.mchid === 'string' && typeof claims.expiresAt === 'number' ? claims : undefined;
  } catch {
    return undefined;
  }
}

export function verifyBillToken(apiv3Key: string, token: string): BillTokenClaims | undefined {
  const [payload = '', signature = '', ...rest] = token.split('.');
  if (rest.length > 0) return undefined;
  const expected = mac(apiv3Key, payload);
  const presented = Buffer.from(signature, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
  return readBillToken(token);
}
