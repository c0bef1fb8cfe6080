/**
 * @paymux/providers: one `PaymentProvider` interface, with WeChat Pay and Alipay adapters
 * on the official SDKs, and the validated credential schemas for both.
 */

export { acknowledgementFor } from './acknowledgement.ts';
export {
  type AlipayCredentials,
  alipayCredentialsInput,
  checkAlipayCredentials,
} from './alipay/credentials.ts';
export { AlipayProvider } from './alipay/provider.ts';
export {
  createPaymentProvider,
  type ProviderAccount,
  type ProviderEndpoints,
  sandboxEndpoints,
} from './create-provider.ts';
export type { CredentialCheck, ValidatedCredentials } from './credentials.ts';
export type * from './interface.ts';
export { toAlipayTime, toRfc3339Shanghai } from './shanghai-time.ts';
export {
  checkWechatpayCredentials,
  type WechatpayCredentials,
  wechatpayCredentialsInput,
} from './wechatpay/credentials.ts';
export { WechatpayProvider } from './wechatpay/provider.ts';
export { WechatpayVerifier } from './wechatpay/signature.ts';
