import { PaymuxError } from '@paymux/core';

/** Creates merchants at the built-in sandbox, through its admin API, for test mode. */
export interface SandboxProvisioner {
  /** The sandbox's credential bundle for a new WeChat Pay merchant. */
  createWechatpayMerchant(name: string): Promise<Record<string, unknown>>;
  /** The sandbox's credential bundle for a new Alipay app. */
  createAlipayApp(name: string): Promise<Record<string, unknown>>;
}

/** The sandbox admin API as test mode uses it: provisioning, and playing the payer. */
export interface SandboxAdminClient extends SandboxProvisioner {
  /** The payer pays or fails an order (the sandbox then notifies as the provider would). */
  settleOrder(
    provider: 'wechatpay' | 'alipay',
    merchant: string,
    outTradeNo: string,
    outcome: 'pay' | 'fail',
  ): Promise<void>;
  /**
   * Plays the payer's first step where the provider only creates the trade then: the browser
   * opening a page/wap redirect, or the Alipay app submitting its order string.
   */
  openPayerFlow(nextAction: Record<string, unknown>): Promise<void>;
}

/**
 * The sandbox admin API over HTTP (`fetch` may be swapped for an in-process one, e.g.
 * `(url, init) => sandboxApp.request(url, init)` in the CLI).
 */
export function httpSandboxProvisioner(options: {
  sandboxUrl: string;
  adminToken?: string | undefined;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  timeoutMs?: number;
}): SandboxAdminClient {
  const doFetch = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const post = async (path: string, body: Record<string, unknown>) => {
    let res: Response;
    try {
      res = await doFetch(`${options.sandboxUrl.replace(/\/+$/, '')}/_admin${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.adminToken ? { authorization: `Bearer ${options.adminToken}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new PaymuxError('service_unavailable', 'The test-mode sandbox could not be reached.', {
        cause: error,
      });
    }
    if (res.status === 409) {
      throw new PaymuxError(
        'illegal_transition',
        'The sandbox order is no longer payable (closed, expired or settled).',
      );
    }
    if (!res.ok)
      throw new PaymuxError('service_unavailable', `The test-mode sandbox answered HTTP ${res.status}.`);
    return (await res.json()) as Record<string, unknown>;
  };
  return {
    createWechatpayMerchant: (name) => post('/wechatpay/merchants', { name }),
    createAlipayApp: (name) => post('/alipay/apps', { name }),
    openPayerFlow: async (nextAction) => {
      const base = options.sandboxUrl.replace(/\/+$/, '');
      let res: Response | undefined;
      if (
        nextAction.type === 'redirect' &&
        typeof nextAction.url === 'string' &&
        nextAction.url.startsWith(base)
      ) {
        res = await doFetch(nextAction.url, {
          method: 'GET',
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        });
      } else if (nextAction.type === 'alipay_app' && typeof nextAction.order_string === 'string') {
        res = await doFetch(`${base}/alipay/app-pay`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: nextAction.order_string,
          signal: AbortSignal.timeout(10_000),
        });
      }
      if (res && res.status >= 400) {
        throw new PaymuxError(
          'service_unavailable',
          `The sandbox refused the payer's first step (HTTP ${res.status}).`,
        );
      }
    },
    settleOrder: async (provider, merchant, outTradeNo, outcome) => {
      const base = provider === 'wechatpay' ? `/wechatpay/merchants/${merchant}` : `/alipay/apps/${merchant}`;
      await post(`${base}/orders/${encodeURIComponent(outTradeNo)}/${outcome}`, {});
    },
  };
}

/** The fields of a sandbox bundle that a merchant account takes (the design's credential names). */
export function wechatpayCredentialsFromBundle(bundle: Record<string, unknown>): Record<string, unknown> {
  const pick = [
    'mchid',
    'appid',
    'apiv3_key',
    'merchant_private_key',
    'merchant_certificate',
    'merchant_serial_no',
    'wechatpay_public_key',
    'wechatpay_public_key_id',
  ];
  return Object.fromEntries(pick.map((k) => [k, bundle[k]]));
}

export function alipayCredentialsFromBundle(bundle: Record<string, unknown>): Record<string, unknown> {
  return {
    app_id: bundle.app_id,
    app_private_key: bundle.app_private_key,
    alipay_public_key: bundle.alipay_public_key,
  };
}
