import type { PaymentRow } from '@paymux/db';

/** The public shape of a payment. Amounts are integer minor units (fen). */
export interface PaymentView {
  readonly id: string;
  readonly object: 'payment';
  readonly livemode: boolean;
  readonly amount: number;
  readonly currency: 'CNY';
  readonly channel: string;
  readonly status: PaymentRow['status'];
  readonly description: string;
  readonly merchant_order_id: string;
  readonly merchant_account: string;
  readonly provider: 'wechatpay' | 'alipay';
  readonly next_action: Record<string, unknown> | null;
  readonly late: boolean;
  readonly amount_refunded: number;
  readonly provider_transaction_id: string | null;
  readonly failure_code: string | null;
  readonly failure_message: string | null;
  readonly metadata: Record<string, unknown>;
  readonly expires_at: string;
  readonly paid_at: string | null;
  readonly closed_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export function toPaymentView(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    object: 'payment',
    livemode: row.mode === 'live',
    amount: Number(row.amount),
    currency: row.currency,
    channel: row.channel,
    status: row.status,
    description: row.description,
    merchant_order_id: row.merchant_order_id,
    merchant_account: row.merchant_account_id,
    provider: row.provider,
    next_action: row.next_action,
    late: row.late,
    amount_refunded: Number(row.amount_refunded),
    provider_transaction_id: row.provider_transaction_id,
    failure_code: row.failure_code,
    failure_message: row.failure_message,
    metadata: row.metadata,
    expires_at: row.expires_at.toISOString(),
    paid_at: row.paid_at?.toISOString() ?? null,
    closed_at: row.closed_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
