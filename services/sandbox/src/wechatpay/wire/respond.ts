import type { Context } from 'hono';
import type { SandboxDeps } from '../../deps.ts';
import type { WechatpayEnv } from '../env.ts';
import type { WechatpayError } from '../errors.ts';
import { signatureHeaders } from './response-signature.ts';
import { sortedJson } from './sorted-json.ts';

type WechatpayContext = Context<WechatpayEnv>;

/** Sends `body` signed for the authenticated merchant (WeChat signs every API answer, errors too). */
function signed(c: WechatpayContext, deps: SandboxDeps, status: number, body: string, contentType?: string) {
  const headers: Record<string, string> = {
    'Request-ID': c.get('requestId'),
    ...signatureHeaders(c.get('signer'), body, deps.now()),
  };
  if (contentType) headers['Content-Type'] = contentType;
  return status === 204 ? c.body(null, 204, headers) : c.body(body, status as 200, headers);
}

export function sendJson(c: WechatpayContext, deps: SandboxDeps, value: unknown, status = 200): Response {
  return signed(c, deps, status, sortedJson(value), 'application/json');
}

/** 204 with an empty, still signed, body: the signed message ends in "\n\n". */
export function sendNoContent(c: WechatpayContext, deps: SandboxDeps): Response {
  return signed(c, deps, 204, '');
}

export function sendError(c: WechatpayContext, deps: SandboxDeps, error: WechatpayError): Response {
  return signed(c, deps, error.status, errorBody(error), 'application/json');
}

/** An injected fault's status and body, verbatim, signed like any other answer. */
export function sendRaw(c: WechatpayContext, deps: SandboxDeps, status: number, body: string): Response {
  return signed(c, deps, status, body, 'application/json');
}

/**
 * An authentication failure. These are not signed: probing the real API shows 401s
 * (and the 400 for a missing User-Agent) without any Wechatpay-* header, and on
 * /v3/pay/transactions/* without even a Request-ID.
 */
export function sendUnsigned(c: Context, error: WechatpayError, requestId: string | undefined): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (requestId) headers['Request-ID'] = requestId;
  return c.body(errorBody(error), error.status, headers);
}

export function errorBody(error: WechatpayError): string {
  return sortedJson({ code: error.code, message: error.message, detail: error.detail });
}
