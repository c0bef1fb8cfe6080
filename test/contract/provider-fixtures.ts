import type { Channel } from '@paymux/core';
import {
  type AlipayCredentials,
  checkAlipayCredentials,
  checkWechatpayCredentials,
  type ProviderAccount,
  type WechatpayCredentials,
} from '@paymux/providers';
import { testAlipayCredentials, testWechatpayCredentials } from '@paymux/providers/testing';

/** What the contract suite needs to know about one provider: its expectation table. */
export interface ProviderFixture {
  readonly name: 'wechatpay' | 'alipay';
  readonly channels: readonly Channel[];
  /** The next_action type each channel must produce. */
  readonly nextActionType: Readonly<Record<string, string>>;
  /** A merchant account on the sandbox, created through its admin API. */
  createAccount(sandboxUrl: string): Promise<{ account: ProviderAccount; merchant: string }>;
  /** The same account with a private key the provider does not know. */
  withWrongKey(account: ProviderAccount): Promise<ProviderAccount>;
  /** The payer pays (sandbox admin API). */
  pay(sandboxUrl: string, merchant: string, outTradeNo: string): Promise<void>;
  /** A response body field worth tampering with, for the man-in-the-middle test. */
  readonly tamperTarget: RegExp;
}

async function post(url: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

export const wechatpayFixture: ProviderFixture = {
  name: 'wechatpay',
  channels: ['wechat.native', 'wechat.jsapi', 'wechat.h5', 'wechat.app'],
  nextActionType: {
    'wechat.native': 'qr_code',
    'wechat.jsapi': 'jsapi',
    'wechat.h5': 'redirect',
    'wechat.app': 'wechat_app',
  },
  async createAccount(sandboxUrl) {
    const b = await post(`${sandboxUrl}/_admin/wechatpay/merchants`);
    const check = checkWechatpayCredentials({
      mchid: b.mchid,
      appid: b.appid,
      apiv3_key: b.apiv3_key,
      merchant_private_key: b.merchant_private_key,
      merchant_certificate: b.merchant_certificate,
      merchant_serial_no: b.merchant_serial_no,
      wechatpay_public_key: b.wechatpay_public_key,
      wechatpay_public_key_id: b.wechatpay_public_key_id,
    });
    if (!check.ok) throw new Error(`sandbox bundle rejected: ${JSON.stringify(check.fields)}`);
    return {
      account: {
        provider: 'wechatpay',
        credentials: check.value.secret,
        certificateExpiresAt: check.value.certificateExpiresAt,
      },
      merchant: String(b.mchid),
    };
  },
  async withWrongKey(account) {
    const other = await testWechatpayCredentials();
    const check = checkWechatpayCredentials({
      ...other,
      merchant_certificate: undefined,
      merchant_serial_no: (account.credentials as WechatpayCredentials).merchant_serial_no,
    });
    if (!check.ok) throw new Error('unexpected');
    return {
      provider: 'wechatpay',
      credentials: {
        ...(account.credentials as WechatpayCredentials),
        merchant_private_key: check.value.secret.merchant_private_key,
      },
    };
  },
  async pay(sandboxUrl, merchant, outTradeNo) {
    await post(`${sandboxUrl}/_admin/wechatpay/merchants/${merchant}/orders/${outTradeNo}/pay`);
  },
  tamperTarget: /"code_url":"[^"]+"/,
};

export const alipayFixture: ProviderFixture = {
  name: 'alipay',
  channels: ['alipay.qr', 'alipay.page', 'alipay.wap', 'alipay.app'],
  nextActionType: {
    'alipay.qr': 'qr_code',
    'alipay.page': 'redirect',
    'alipay.wap': 'redirect',
    'alipay.app': 'alipay_app',
  },
  async createAccount(sandboxUrl) {
    const b = await post(`${sandboxUrl}/_admin/alipay/apps`);
    const check = checkAlipayCredentials({
      app_id: b.app_id,
      app_private_key: b.app_private_key,
      alipay_public_key: b.alipay_public_key,
    });
    if (!check.ok) throw new Error(`sandbox bundle rejected: ${JSON.stringify(check.fields)}`);
    return { account: { provider: 'alipay', credentials: check.value.secret }, merchant: String(b.app_id) };
  },
  async withWrongKey(account) {
    const other = checkAlipayCredentials(testAlipayCredentials());
    if (!other.ok) throw new Error('unexpected');
    return {
      provider: 'alipay',
      credentials: {
        ...(account.credentials as AlipayCredentials),
        app_private_key: other.value.secret.app_private_key,
      },
    };
  },
  async pay(sandboxUrl, merchant, outTradeNo) {
    await post(`${sandboxUrl}/_admin/alipay/apps/${merchant}/orders/${outTradeNo}/pay`);
  },
  tamperTarget: /"qr_code":"[^"]+"/,
};
