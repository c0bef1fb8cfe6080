import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AlipayApp } from '../../db/schema.ts';

/** Alipay's bill links expire 30 seconds after they are handed out. */
export const BILL_LINK_TTL_MS = 30_000;

// The link must work as a plain, unsigned GET, so it authenticates itself: an HMAC keyed
// by a secret only the sandbox holds for this app (derived from Alipay's private key).
function macKey(app: AlipayApp): Buffer {
  return createHash('sha256').update(`alipay-bill-link\n${app.alipay_private_key}`).digest();
}

function mac(app: AlipayApp, payload: string): string {
  return createHmac('sha256', macKey(app)).update(payload).digest('base64url');
}

/** A token naming the app and day, valid until `expiresAt`. */
export function issueBillToken(app: AlipayApp, billDate: string, expiresAt: Date): string {
  const payload = Buffer.from(`${app.app_id}.${billDate}.${expiresAt.getTime()}`).toString('base64url');
  return `${payload}.${mac(app, payload)}`;
}

/** The app id a token claims, before the app (and so the key) is known. */
export function billTokenAppId(token: string): string | undefined {
  const [payload] = token.split('.');
  if (!payload) return undefined;
  const [appId] = Buffer.from(payload, 'base64url').toString().split('.');
  return appId && /^\d{16}$/.test(appId) ? appId : undefined;
}

/** The bill date of a genuine, unexpired token; undefined otherwise. */
export function verifyBillToken(app: AlipayApp, token: string, now: Date): { billDate: string } | undefined {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(mac(app, payload));
  const presented = Buffer.from(signature);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return undefined;
  const [appId, billDate, expires] = Buffer.from(payload, 'base64url').toString().split('.');
  if (appId !== app.app_id || !billDate || Number(expires) <= now.getTime()) return undefined;
  return { billDate };
}
