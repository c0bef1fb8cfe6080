import type { KeyObject } from 'node:crypto';
import { shanghaiDateTime } from '../../bills/day-activity.ts';
import { signSha256WithRsa } from '../../crypto/rsa-signature.ts';
import type { AlipayApp, Order } from '../../db/schema.ts';
import { fenToYuan } from '../../money.ts';
import { beijingDateTimeMillis } from '../beijing-time.ts';
import { NOTIFY_EXCLUDED, signContent } from '../signing/sign-content.ts';
import { tradeExtra } from '../trades/trade-view.ts';

/** A refund that a trade notification reports (partial: TRADE_SUCCESS; full: TRADE_CLOSED). */
export interface RefundFacts {
  readonly outRequestNo: string;
  /** Refunded so far, this refund included. */
  readonly refundedTotal: bigint;
  readonly refundedAt: Date;
}

/**
 * The fields of a `trade_status_sync` notification, as Alipay posts them. Empty fields are
 * left out altogether: Alipay signs without them, and the SDK's checkNotifySign keeps
 * whatever it receives, so an empty field would break every merchant's verification.
 */
export function tradeNotificationFields(input: {
  readonly app: AlipayApp;
  readonly order: Order;
  readonly notifyId: string;
  readonly now: Date;
  readonly refund?: RefundFacts;
}): Record<string, string> {
  const { app, order, refund } = input;
  const extra = tradeExtra(order);
  const amount = fenToYuan(order.amount);
  const closedByRefund = refund !== undefined && refund.refundedTotal >= order.amount;
  const fields: Record<string, string | undefined> = {
    notify_time: shanghaiDateTime(input.now),
    notify_type: 'trade_status_sync',
    notify_id: input.notifyId,
    app_id: app.app_id,
    auth_app_id: app.app_id,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: order.trade_no,
    out_trade_no: order.out_trade_no,
    out_biz_no: refund?.outRequestNo,
    buyer_id: extra.buyer_id,
    buyer_logon_id: extra.buyer_logon_id,
    seller_id: app.seller_id,
    trade_status: closedByRefund ? 'TRADE_CLOSED' : 'TRADE_SUCCESS',
    total_amount: amount,
    receipt_amount: amount,
    invoice_amount: amount,
    buyer_pay_amount: amount,
    point_amount: '0.00',
    refund_fee: refund ? fenToYuan(refund.refundedTotal) : undefined,
    subject: order.description,
    body: extra.body,
    gmt_create: shanghaiDateTime(order.created_at),
    gmt_payment: order.paid_at ? shanghaiDateTime(order.paid_at) : undefined,
    gmt_refund: refund ? beijingDateTimeMillis(refund.refundedAt) : undefined,
    gmt_close: closedByRefund ? shanghaiDateTime(refund.refundedAt) : undefined,
    fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
    passback_params: order.attach ?? undefined,
  };
  return Object.fromEntries(
    Object.entries(fields).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

/** Adds `sign`: RSA2 over the sorted fields without `sign` and `sign_type`, as real trade notifications are. */
export function signNotification(
  fields: Record<string, string>,
  alipayPrivateKey: KeyObject,
): Record<string, string> {
  return { ...fields, sign: signSha256WithRsa(alipayPrivateKey, signContent(fields, NOTIFY_EXCLUDED)) };
}

/** The form body, UTF-8 and URL-encoded. */
export function encodeForm(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
