/**
 * Alipay's string-to-sign for form-style parameters (gateway requests, notifications,
 * return_url parameters): every parameter except the excluded ones, **empty values
 * omitted** (Alipay's own rule, `AlipaySignature.getSignCheckContentV1/V2`), keys sorted
 * by ASCII, joined as `k=v` with `&`, values raw (never URL-encoded).
 *
 * @example
 * signContent({ b: '2', a: '1', sign: 'x', c: '' }, ['sign']) // 'a=1&b=2'
 */
export function signContent(params: Readonly<Record<string, string>>, exclude: readonly string[]): string {
  return Object.keys(params)
    .filter((key) => !exclude.includes(key) && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

/** Gateway requests: everything but `sign` (sign_type included). */
export const REQUEST_EXCLUDED = ['sign'] as const;

/** Trade notifications and return_url parameters: `sign` and `sign_type` are not signed. */
export const NOTIFY_EXCLUDED = ['sign', 'sign_type'] as const;
