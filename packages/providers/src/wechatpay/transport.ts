import { PaymuxError } from '@paymux/core';
import type { WechatpayVerifier } from './signature.ts';

/** The real API host the SDK hard-codes; requests are sent to the account's base URL instead. */
export const WECHATPAY_REAL_ORIGIN = 'https://api.mch.weixin.qq.com';

export interface WechatpayHttpResult {
  readonly status: number;
  /** Parsed JSON body (`{}` when empty or not JSON). */
  data: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly bytes: Buffer;
  /** Whether the response carried a valid signature. */
  readonly verified: boolean;
}

export interface TransportOptions {
  /** e.g. https://api.mch.weixin.qq.com, or the sandbox's `<public url>/sandbox/wechatpay`. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly verifier: WechatpayVerifier;
  readonly now: () => Date;
}

/**
 * The `createHttp` transport for wechatpay-node-v3: sends to the configured base URL,
 * keeps response headers, and verifies every response signature before the SDK sees it.
 * A successful (2xx) response that is not correctly signed is refused; error responses
 * are kept either way (they only ever make an operation fail, never succeed).
 */
export function createTransport(options: TransportOptions) {
  const rewrite = (url: string) =>
    url.startsWith(WECHATPAY_REAL_ORIGIN)
      ? `${options.baseUrl.replace(/\/+$/, '')}${url.slice(WECHATPAY_REAL_ORIGIN.length)}`
      : url;

  const send = async (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    expectSigned: boolean,
  ): Promise<WechatpayHttpResult> => {
    let response: Response;
    try {
      response = await fetch(rewrite(url), {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new PaymuxError('provider_unavailable', 'WeChat Pay did not answer in time.', { cause: error });
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      responseHeaders[key] = value;
    });
    const check = expectSigned
      ? options.verifier.verify(responseHeaders, text, options.now())
      : { ok: true as const };
    if (expectSigned && response.status < 300 && !check.ok) {
      throw new PaymuxError('provider_error', `WeChat Pay response failed verification: ${check.reason}.`);
    }
    let data: Record<string, unknown> = {};
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json') && text) {
      try {
        data = JSON.parse(text) as Record<string, unknown>;
      } catch {
        data = {};
      }
    }
    return { status: response.status, data, headers: responseHeaders, text, bytes, verified: check.ok };
  };

  return {
    post: (url: string, params: unknown, headers: Record<string, string>) =>
      // The SDK signed JSON.stringify(params); send exactly those bytes.
      send('POST', url, headers, JSON.stringify(params), true),
    get: (url: string, headers: Record<string, string>) =>
      // Bill downloads are the one unsigned response.
      send('GET', url, headers, undefined, !url.includes('/v3/billdownload/')),
    upload: async () => {
      throw new PaymuxError('unsupported', 'Uploads are not used by Paymux.');
    },
  };
}
