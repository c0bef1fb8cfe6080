import type { MerchantAccountRow } from '@paymux/db';
import {
  type AlipayCredentials,
  createPaymentProvider,
  type PaymentProvider,
  type ProviderEndpoints,
  type WechatpayCredentials,
} from '@paymux/providers';
import type { KeyProvider } from '@paymux/vault';
import type { CredentialCache } from './open-credentials.ts';
import { openCredentials } from './open-credentials.ts';

/** Live accounts reach the real providers; test-mode accounts only ever reach the sandbox. */
export interface EndpointsByMode {
  readonly live: ProviderEndpoints;
  readonly test: ProviderEndpoints;
}

export interface ProviderContext {
  readonly vault: KeyProvider;
  readonly endpoints: EndpointsByMode;
  readonly credentialCache?: CredentialCache | undefined;
  readonly providerTimeoutMs?: number | undefined;
  readonly now?: (() => Date) | undefined;
}

/** The PaymentProvider for a merchant account row: credentials decrypted (cached briefly), endpoints by mode. */
export async function providerForAccount(
  ctx: ProviderContext,
  row: MerchantAccountRow,
): Promise<PaymentProvider> {
  const credentials = ctx.credentialCache
    ? await ctx.credentialCache.open(ctx.vault, row)
    : await openCredentials(ctx.vault, row);
  const endpoints = row.mode === 'live' ? ctx.endpoints.live : ctx.endpoints.test;
  const options = {
    ...(ctx.providerTimeoutMs !== undefined ? { timeoutMs: ctx.providerTimeoutMs } : {}),
    ...(ctx.now ? { now: ctx.now } : {}),
  };
  return row.provider === 'wechatpay'
    ? createPaymentProvider(
        {
          provider: 'wechatpay',
          credentials: credentials as WechatpayCredentials,
          certificateExpiresAt: row.certificate_expires_at,
        },
        endpoints,
        options,
      )
    : createPaymentProvider(
        { provider: 'alipay', credentials: credentials as AlipayCredentials },
        endpoints,
        options,
      );
}
