/**
 * @paymux/providers: one `PaymentProvider` interface, with WeChat Pay and Alipay adapters
 * on the official SDKs, and the validated credential schemas for both.
 */
export {
  type AlipayCredentials,
  alipayCredentialsInput,
  checkAlipayCredentials,
} from './alipay/credentials.ts';
export type { CredentialCheck, ValidatedCredentials } from './credentials.ts';
export type * from './interface.ts';
export {
  checkWechatpayCredentials,
  type WechatpayCredentials,
  wechatpayCredentialsInput,
} from './wechatpay/credentials.ts';
