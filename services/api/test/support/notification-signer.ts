// The provider's side of merchant accounts whose provider keys a test holds: credentials
// for Paymux, and genuine signed notifications built with the sandbox's own builders (the
// WeChat Pay envelope with its AES-256-GCM resource and SHA256withRSA over
// `timestamp\nnonce\nbody\n`; Alipay's RSA2 form without sign and sign_type).
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, randomInt } from 'node:crypto';
import { testCertificate } from '@paymux/providers/testing';
import { newNotifyId } from '../../../sandbox/src/alipay/ids.ts';
import {
  encodeForm,
  signNotification,
} from '../../../sandbox/src/alipay/notifications/trade-notification.ts';
import { shanghaiDateTime } from '../../../sandbox/src/bills/day-activity.ts';
import { fenToYuan } from '../../../sandbox/src/money.ts';
import { notificationEnvelope } from '../../../sandbox/src/wechatpay/notifications/notification-envelope.ts';
import { rfc3339Shanghai } from '../../../sandbox/src/wechatpay/time.ts';
import { signatureHeaders } from '../../../sandbox/src/wechatpay/wire/response-signature.ts';
import type { Delivery } from './notification-harness.ts';

function digits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i += 1) out += String(randomInt(10));
  return out;
}

const lower = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

export interface WechatpayProviderSide {
  /** What the merchant enters in Paymux (public-key mode). */
  readonly credentials: {
    mchid: string;
    appid: string;
    apiv3_key: string;
    merchant_private_key: string;
    merchant_certificate: string;
    merchant_serial_no: string;
    wechatpay_public_key: string;
    wechatpay_public_key_id: string;
  };
  /** WeChat Pay's signing key for this merchant and the id it names in Wechatpay-Serial. */
  readonly signer: { serial: string; privateKey: string };
}

export async function wechatpayProviderSide(): Promise<WechatpayProviderSide> {
  const merchant = await testCertificate();
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = `PUB_KEY_ID_01${digits(30)}`;
  return {
    credentials: {
      mchid: `19${digits(8)}`,
      appid: `wx${randomBytes(8).toString('hex')}`,
      apiv3_key: randomBytes(24).toString('base64url').slice(0, 32),
      merchant_private_key: merchant.privateKey,
      merchant_certificate: merchant.certificate,
      merchant_serial_no: merchant.serialNo,
      wechatpay_public_key: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      wechatpay_public_key_id: keyId,
    },
    signer: {
      serial: keyId,
      privateKey: platform.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
  };
}

function wechatDelivery(side: WechatpayProviderSide, body: string, now: Date): Delivery {
  return {
    headers: lower({ 'content-type': 'application/json', ...signatureHeaders(side.signer, body, now) }),
    body,
  };
}

/** A TRANSACTION.SUCCESS-type notification with the given trade_state (WeChat itself only notifies SUCCESS). */
export function wechatTransactionNotification(
  side: WechatpayProviderSide,
  input: {
    outTradeNo: string;
    transactionId: string;
    tradeState: 'SUCCESS' | 'CLOSED' | 'PAYERROR' | 'NOTPAY';
    amount: bigint;
    now?: Date;
  },
): Delivery {
  const now = input.now ?? new Date();
  const paid = input.tradeState === 'SUCCESS';
  const resource = {
    appid: side.credentials.appid,
    mchid: side.credentials.mchid,
    out_trade_no: input.outTradeNo,
    transaction_id: input.transactionId,
    trade_type: 'NATIVE',
    trade_state: input.tradeState,
    trade_state_desc: input.tradeState,
    bank_type: 'OTHERS',
    attach: '',
    ...(paid ? { success_time: rfc3339Shanghai(now) } : {}),
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: {
      total: Number(input.amount),
      payer_total: Number(input.amount),
      currency: 'CNY',
      payer_currency: 'CNY',
    },
  };
  // WeChat names every TRANSACTION.* event TRANSACTION.SUCCESS; the resource's trade_state decides.
  return wechatDelivery(
    side,
    notificationEnvelope(side.credentials.apiv3_key, 'TRANSACTION.SUCCESS', resource, now),
    now,
  );
}

/** A REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED notification. */
export function wechatRefundNotification(
  side: WechatpayProviderSide,
  input: {
    outTradeNo: string;
    transactionId: string;
    outRefundNo: string;
    status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
    refund: bigint;
    total: bigint;
    now?: Date;
  },
): Delivery {
  const now = input.now ?? new Date();
  const resource = {
    mchid: side.credentials.mchid,
    out_trade_no: input.outTradeNo,
    transaction_id: input.transactionId,
    out_refund_no: input.outRefundNo,
    refund_id: `50300${digits(24)}`,
    refund_status: input.status,
    ...(input.status === 'SUCCESS' ? { success_time: rfc3339Shanghai(now) } : {}),
    user_received_account: '支付用户零钱',
    amount: {
      total: Number(input.total),
      refund: Number(input.refund),
      payer_total: Number(input.total),
      payer_refund: Number(input.refund),
    },
  };
  const event = `REFUND.${input.status}` as 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED';
  return wechatDelivery(side, notificationEnvelope(side.credentials.apiv3_key, event, resource, now), now);
}

export interface AlipayProviderSide {
  readonly credentials: { app_id: string; app_private_key: string; alipay_public_key: string };
  /** Alipay's private key for this app. */
  readonly alipayPrivateKey: KeyObject;
}

export function alipayProviderSide(): AlipayProviderSide {
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    credentials: {
      app_id: `2021${digits(12)}`,
      app_private_key: app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      alipay_public_key: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    alipayPrivateKey: createPrivateKey(alipay.privateKey.export({ type: 'pkcs8', format: 'pem' })),
  };
}

/** A `trade_status_sync` notification (empty fields left out, as Alipay signs them). */
export function alipayTradeNotification(
  side: AlipayProviderSide,
  input: {
    outTradeNo: string;
    tradeNo: string;
    tradeStatus: 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'WAIT_BUYER_PAY';
    amount: bigint;
    now?: Date;
  },
): Delivery {
  const now = input.now ?? new Date();
  const amount = fenToYuan(input.amount);
  const fields: Record<string, string> = {
    notify_time: shanghaiDateTime(now),
    notify_type: 'trade_status_sync',
    notify_id: newNotifyId(now),
    app_id: side.credentials.app_id,
    auth_app_id: side.credentials.app_id,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: input.tradeNo,
    out_trade_no: input.outTradeNo,
    buyer_id: '2088102177846880',
    seller_id: '2088102177296610',
    trade_status: input.tradeStatus,
    total_amount: amount,
    receipt_amount: amount,
    buyer_pay_amount: amount,
    subject: 'property test',
    gmt_create: shanghaiDateTime(now),
    ...(input.tradeStatus === 'TRADE_SUCCESS' ? { gmt_payment: shanghaiDateTime(now) } : {}),
    ...(input.tradeStatus === 'TRADE_CLOSED' ? { gmt_close: shanghaiDateTime(now) } : {}),
  };
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: encodeForm(signNotification(fields, side.alipayPrivateKey)),
  };
}
