import type { AlipayCredentials } from './alipay/credentials.ts';
import { AlipayProvider } from './alipay/provider.ts';
import type { PaymentProvider } from './interface.ts';
import type { WechatpayCredentials } from './wechatpay/credentials.ts';
import { WechatpayProvider } from './wechatpay/provider.ts';

/** Where each provider is reached: the real APIs for live accounts, the sandbox for test ones. */
export interface ProviderEndpoints {
  readonly wechatpayBaseUrl: string;
  readonly alipayGatewayUrl: string;
  readonly alipayEndpoint: string;
}

/** The sandbox's endpoints, mounted at `<sandboxUrl>` (e.g. `http://localhost:4000/sandbox`). */
export function sandboxEndpoints(sandboxUrl: string): ProviderEndpoints {
  const base = sandboxUrl.replace(/\/+$/, '');
  return {
    wechatpayBaseUrl: `${base}/wechatpay`,
    alipayGatewayUrl: `${base}/alipay/gateway.do`,
    alipayEndpoint: `${base}/alipay`,
  };
}

export type ProviderAccount =
  | {
      readonly provider: 'wechatpay';
      readonly credentials: WechatpayCredentials;
      readonly certificateExpiresAt?: Date | null;
    }
  | { readonly provider: 'alipay'; readonly credentials: AlipayCredentials };

/**
 * The `PaymentProvider` for one merchant account.
 *
 * @example
 * const provider = createPaymentProvider({ provider: 'alipay', credentials }, sandboxEndpoints(url));
 * await provider.createPayment({ channel: 'alipay.qr', … });
 */
export function createPaymentProvider(
  account: ProviderAccount,
  endpoints: ProviderEndpoints,
  options: { timeoutMs?: number; now?: () => Date } = {},
): PaymentProvider {
  switch (account.provider) {
    case 'wechatpay':
      return new WechatpayProvider({
        credentials: account.credentials,
        baseUrl: endpoints.wechatpayBaseUrl,
        certificateExpiresAt: account.certificateExpiresAt ?? null,
        ...options,
      });
    case 'alipay':
      return new AlipayProvider({
        credentials: account.credentials,
        gatewayUrl: endpoints.alipayGatewayUrl,
        endpoint: endpoints.alipayEndpoint,
        ...options,
      });
    default: {
      const unknown: never = account;
      throw new Error(`unknown provider ${(unknown as { provider: string }).provider}`);
    }
  }
}
