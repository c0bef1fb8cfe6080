import type { Order, Refund, RefundStatus } from '../../db/schema.ts';
import { feeFen } from '../bills/fee.ts';
import { rfc3339Shanghai } from '../time.ts';

const STATUS: Record<RefundStatus, 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED'> = {
  processing: 'PROCESSING',
  success: 'SUCCESS',
  abnormal: 'ABNORMAL',
  closed: 'CLOSED',
};

/** Refunds go back the way they came: the payer's balance. */
const USER_RECEIVED_ACCOUNT = '支付用户零钱';

export function refundStatus(refund: Pick<Refund, 'status'>) {
  return STATUS[refund.status];
}

/** A refund as `POST`/`GET /v3/refund/domestic/refunds…` answer it (amounts in fen). */
export function refundView(refund: Refund, order: Order) {
  return {
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    transaction_id: order.trade_no,
    out_trade_no: order.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: USER_RECEIVED_ACCOUNT,
    success_time: refund.succeeded_at ? rfc3339Shanghai(refund.succeeded_at) : undefined,
    create_time: rfc3339Shanghai(refund.created_at),
    status: refundStatus(refund),
    funds_account: 'AVAILABLE',
    promotion_detail: [] as unknown[],
    amount: {
      total: Number(order.amount),
      refund: Number(refund.amount),
      from: [] as unknown[],
      payer_total: Number(order.amount),
      payer_refund: Number(refund.amount),
      settlement_refund: Number(refund.amount),
      settlement_total: Number(order.amount),
      discount_refund: 0,
      currency: order.currency,
      refund_fee: Number(feeFen(refund.amount)),
    },
  };
}

/** The decrypted resource of a REFUND.* notification. */
export function refundNotificationResource(refund: Refund, order: Order) {
  return {
    mchid: order.merchant,
    out_trade_no: order.out_trade_no,
    transaction_id: order.trade_no,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.refund_id,
    refund_status: refundStatus(refund),
    ...(refund.succeeded_at ? { success_time: rfc3339Shanghai(refund.succeeded_at) } : {}),
    user_received_account: USER_RECEIVED_ACCOUNT,
    amount: {
      total: Number(order.amount),
      refund: Number(refund.amount),
      payer_total: Number(order.amount),
      payer_refund: Number(refund.amount),
    },
  };
}
