import { type AlipayFailure, acq } from '../failure.ts';

/**
 * The business parameters of a v2 request: `biz_content` (a JSON object) plus the common
 * `notify_url`/`return_url`, which the operations read like any other parameter.
 */
export function businessParams(
  params: Record<string, string>,
): { params: Record<string, unknown> } | { failure: AlipayFailure } {
  let biz: Record<string, unknown> = {};
  if (params.biz_content) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(params.biz_content);
    } catch {
      return { failure: acq.invalidParameter('biz_content 不是合法的 JSON') };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { failure: acq.invalidParameter('biz_content 须为 JSON 对象') };
    }
    // notify_url/return_url are common parameters: Alipay ignores them inside biz_content
    // (a classic integration bug the sandbox must not hide).
    const { notify_url: _notify, return_url: _return, ...rest } = parsed as Record<string, unknown>;
    biz = rest;
  }
  const common: Record<string, string> = {};
  if (params.notify_url) common.notify_url = params.notify_url;
  if (params.return_url) common.return_url = params.return_url;
  return { params: { ...biz, ...common } };
}
