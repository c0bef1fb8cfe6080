import type { KeyObject } from 'node:crypto';
import { signSha256WithRsa } from '../../crypto/rsa-signature.ts';

/** `alipay.trade.query` → `alipay_trade_query_response`. */
export function responseKey(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/** JSON as Alipay writes it: every `/` escaped as `\/` (valid JSON, and part of the signed bytes). */
function alipayJson(value: unknown): string {
  // A `/` can only occur inside a JSON string, where `\/` is a valid escape.
  return JSON.stringify(value).replaceAll('/', '\\/');
}

/**
 * A v2 reply: `{"<key>":<inner>,"sign":"…"}`. The inner object is serialised once and the
 * signature is over exactly those bytes, which are then spliced into the envelope (the
 * SDK verifies by slicing the raw text). Without a key (unknown app) it goes unsigned.
 */
export function renderV2Response(
  key: string,
  inner: Record<string, unknown>,
  alipayPrivateKey?: KeyObject,
): string {
  const content = alipayJson(inner);
  if (!alipayPrivateKey) return `{"${key}":${content}}`;
  return `{"${key}":${content},"sign":"${signSha256WithRsa(alipayPrivateKey, content)}"}`;
}

/** Alipay answers JSON with this content type (sic). */
export const V2_CONTENT_TYPE = 'text/html;charset=utf-8';
