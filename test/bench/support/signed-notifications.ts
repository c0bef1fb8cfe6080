// Genuine provider notifications for many orders at once, built in process with the
// sandbox's own builders (the provider's code, not Paymux's): WeChat Pay's
// TRANSACTION.SUCCESS envelope (resource AES-256-GCM-encrypted with the merchant's APIv3
// key, the body signed SHA256withRSA with WeChat's key for the merchant, fresh
// Wechatpay-Timestamp/Nonce), and Alipay's signed trade_status_sync form. Exactly what the
// sandbox's dispatcher would POST for a paid order, without its queue in between.
import type { Kysely } from 'kysely';
import { appKeys } from '../../../services/sandbox/src/alipay/apps/app-store.ts';
import { newNotifyId, newTradeNo } from '../../../services/sandbox/src/alipay/ids.ts';
import {
  encodeForm,
  signNotification,
  tradeNotificationFields,
} from '../../../services/sandbox/src/alipay/notifications/trade-notification.ts';
import type {
  AlipayApp,
  Order,
  SandboxDatabase,
  WechatMerchant,
} from '../../../services/sandbox/src/db/schema.ts';
import { newTransactionId } from '../../../services/sandbox/src/wechatpay/ids.ts';
import { notificationEnvelope } from '../../../services/sandbox/src/wechatpay/notifications/notification-envelope.ts';
import { transactionView } from '../../../services/sandbox/src/wechatpay/transactions/transaction-view.ts';
import {
  signatureHeaders,
  wechatpaySigner,
} from '../../../services/sandbox/src/wechatpay/wire/response-signature.ts';

export interface SignedNotification {
  readonly provider: 'wechatpay' | 'alipay';
  /** Paymux's notify path: /notify/{provider}/{merchant_account_id}. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly outTradeNo: string;
}

/** The sandbox's records of one tenant's two test merchants (it holds the provider keys). */
export interface ProviderMerchants {
  readonly wechat: WechatMerchant;
  readonly alipay: AlipayApp;
}

export async function loadProviderMerchants(
  sandboxDb: Kysely<SandboxDatabase>,
  ids: { mchid: string; appId: string },
): Promise<ProviderMerchants> {
  const [wechat, alipay] = await Promise.all([
    sandboxDb
      .selectFrom('wechat_merchants')
      .selectAll()
      .where('mchid', '=', ids.mchid)
      .executeTakeFirstOrThrow(),
    sandboxDb.selectFrom('alipay_apps').selectAll().where('app_id', '=', ids.appId).executeTakeFirstOrThrow(),
  ]);
  return { wechat, alipay };
}

/** A paid order as the sandbox stores it, for the builders. */
function paidOrder(input: {
  provider: 'wechatpay' | 'alipay';
  merchant: string;
  outTradeNo: string;
  amount: bigint;
  description: string;
  notifyUrl: string;
  now: Date;
}): Order {
  const { now } = input;
  return {
    provider: input.provider,
    merchant: input.merchant,
    out_trade_no: input.outTradeNo,
    trade_no: input.provider === 'wechatpay' ? newTransactionId(now) : newTradeNo(now),
    trade_type: input.provider === 'wechatpay' ? 'NATIVE' : 'FACE_TO_FACE_PAYMENT',
    amount: input.amount,
    currency: 'CNY',
    description: input.description,
    notify_url: input.notifyUrl,
    return_url: null,
    attach: null,
    payer: input.provider === 'wechatpay' ? null : '2088102177846880',
    request_hash: '',
    status: 'paid',
    scanned: true,
    pay_token: '',
    time_expire: new Date(now.getTime() + 7_200_000),
    paid_at: now,
    closed_at: null,
    refunded: 0n,
    withhold_notifications: false,
    extra:
      input.provider === 'alipay'
        ? { buyer_id: '2088102177846880', buyer_logon_id: 'bench***@example.com' }
        : {},
    created_at: new Date(now.getTime() - 5_000),
  };
}

/** One genuine notification of a paid order, signed now. */
export function signedPaymentNotification(
  merchants: ProviderMerchants,
  input: {
    provider: 'wechatpay' | 'alipay';
    origin: string;
    merchantAccountId: string;
    outTradeNo: string;
    amount: bigint;
    description: string;
    now?: Date;
  },
): SignedNotification {
  const now = input.now ?? new Date();
  const path = `/notify/${input.provider}/${input.merchantAccountId}`;
  if (input.provider === 'wechatpay') {
    const m = merchants.wechat;
    const order = paidOrder({ ...input, merchant: m.mchid, notifyUrl: `${input.origin}${path}`, now });
    const body = notificationEnvelope(
      m.apiv3_key,
      'TRANSACTION.SUCCESS',
      transactionView(order, m.appid),
      now,
    );
    return {
      provider: 'wechatpay',
      path,
      headers: { 'content-type': 'application/json', ...signatureHeaders(wechatpaySigner(m), body, now) },
      body,
      outTradeNo: input.outTradeNo,
    };
  }
  const app = merchants.alipay;
  const order = paidOrder({ ...input, merchant: app.app_id, notifyUrl: `${input.origin}${path}`, now });
  const fields = tradeNotificationFields({ app, order, notifyId: newNotifyId(now), now });
  return {
    provider: 'alipay',
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: encodeForm(signNotification(fields, appKeys(app).alipayPrivateKey)),
    outTradeNo: input.outTradeNo,
  };
}
