import type { Acknowledgement } from './interface.ts';

/**
 * The exact answer each provider requires to a notification: `accepted` stops its
 * retries; `rejected` (forged, stale, mismatched) and `retry` (we could not process it
 * now) make it send again. WeChat Pay: 204 empty on success, 4xx/5xx with
 * `{code, message}` otherwise. Alipay: the plain text `success`, anything else retries.
 */
export function acknowledgementFor(
  provider: 'wechatpay' | 'alipay',
  outcome: 'accepted' | 'rejected' | 'retry',
): Acknowledgement {
  if (provider === 'wechatpay') {
    if (outcome === 'accepted') return { status: 204, body: '' };
    return {
      status: outcome === 'retry' ? 500 : 400,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'FAIL', message: '失败' }),
    };
  }
  const text = { contentType: 'text/plain; charset=utf-8' };
  if (outcome === 'accepted') return { status: 200, ...text, body: 'success' };
  return { status: outcome === 'retry' ? 500 : 400, ...text, body: 'failure' };
}
