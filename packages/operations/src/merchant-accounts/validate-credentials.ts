import { PaymuxError } from '@paymux/core';
import {
  type AlipayCredentials,
  checkAlipayCredentials,
  checkWechatpayCredentials,
  type ValidatedCredentials,
  type WechatpayCredentials,
} from '@paymux/providers';

export type ProviderName = 'wechatpay' | 'alipay';
export type AnyCredentials = WechatpayCredentials | AlipayCredentials;

/** Validates submitted credentials for a provider, or throws one validation_failed with field errors. */
export function validateCredentials(
  provider: ProviderName,
  input: unknown,
): ValidatedCredentials<AnyCredentials> {
  const check = provider === 'wechatpay' ? checkWechatpayCredentials(input) : checkAlipayCredentials(input);
  if (check.ok) return check.value;
  throw new PaymuxError('validation_failed', check.fields.map((f) => `${f.path}: ${f.message}`).join('; '), {
    fields: check.fields,
  });
}
