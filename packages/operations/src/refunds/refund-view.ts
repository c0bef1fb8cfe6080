import type { RefundRow } from '@paymux/db';

export interface RefundView {
  readonly id: string;
  readonly object: 'refund';
  readonly livemode: boolean;
  readonly payment: string;
  readonly amount: number;
  readonly currency: 'CNY';
  readonly status: RefundRow['status'];
  readonly reason: string | null;
  readonly merchant_refund_id: string | null;
  readonly provider_refund_id: string | null;
  readonly failure_code: string | null;
  readonly failure_message: string | null;
  readonly succeeded_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export function toRefundView(row: RefundRow): RefundView {
  return {
    id: row.id,
    object: 'refund',
    livemode: row.mode === 'live',
    payment: row.payment_id,
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    merchant_refund_id: row.merchant_refund_id,
    provider_refund_id: row.provider_refund_id,
    failure_code: row.failure_code,
    failure_message: row.failure_message,
    succeeded_at: row.succeeded_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
