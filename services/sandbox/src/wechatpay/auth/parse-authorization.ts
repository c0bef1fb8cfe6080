export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

export interface MerchantCredentials {
  readonly mchid: string;
  readonly nonceStr: string;
  readonly timestamp: string;
  readonly serialNo: string;
  readonly signature: string;
}

export type ParsedAuthorization =
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'wrong-scheme'; readonly scheme: string }
  | { readonly kind: 'ok'; readonly credentials: MerchantCredentials };

const PAIR = /^([a-z_]+)="([^"]*)"$/;

/**
 * Parses `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`.
 * The pairs may come in any order, but the format is as strict as WeChat's: one space
 * after the scheme, double quotes, commas without spaces (WeChat answers a header with
 * stray spaces or single quotes with "Http头Authorization值格式错误").
 *
 * @example
 * parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="n",timestamp="1",serial_no="AB",signature="c2ln"')
 * // → { kind: 'ok', credentials: { mchid: '1900000001', nonceStr: 'n', timestamp: '1', serialNo: 'AB', signature: 'c2ln' } }
 */
export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined || header.trim() === '') return { kind: 'missing' };
  const space = header.indexOf(' ');
  if (space <= 0) return { kind: 'malformed' };
  const scheme = header.slice(0, space);
  if (scheme !== AUTH_SCHEME) return { kind: 'wrong-scheme', scheme };
  const pairs = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const match = PAIR.exec(part);
    if (!match) return { kind: 'malformed' };
    const [, key = '', value = ''] = match;
    if (pairs.has(key)) return { kind: 'malformed' };
    pairs.set(key, value);
  }
  const mchid = pairs.get('mchid');
  const nonceStr = pairs.get('nonce_str');
  const timestamp = pairs.get('timestamp');
  const serialNo = pairs.get('serial_no');
  const signature = pairs.get('signature');
  if (!mchid || !nonceStr || !timestamp || !serialNo || !signature) return { kind: 'malformed' };
  return { kind: 'ok', credentials: { mchid, nonceStr, timestamp, serialNo, signature } };
}

/** What the merchant signs: `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`. */
export function requestMessage(
  method: string,
  target: string,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  return `${method}\n${target}\n${timestamp}\n${nonce}\n${body}\n`;
}
