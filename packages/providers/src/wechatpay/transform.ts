import { PaymuxError, parseFen } from '@paymux/core';
import type { ProviderPaymentStatus, ProviderRefundStatus } from '../interface.ts';

// Pure mappings between WeChat Pay's wire values and ours. No I/O.

/** trade_state → ours. Unknown words are `pending`: never success on a guess. */
export function paymentStatusOf(tradeState: unknown): ProviderPaymentStatus {
  switch (tradeState) {
    case 'SUCCESS':
    case 'REFUND': // paid, then (partly) refunded: the payment itself succeeded
      return 'succeeded';
    case 'CLOSED':
    case 'REVOKED':
      return 'closed';
    case 'PAYERROR':
      return 'failed';
    default:
      return 'pending'; // NOTPAY, USERPAYING, and anything new
  }
}

/** refund status → ours. */
export function refundStatusOf(status: unknown): ProviderRefundStatus {
  switch (status) {
    case 'SUCCESS':
      return 'succeeded';
    case 'CLOSED':
      return 'failed';
    default:
      // PROCESSING, and ABNORMAL: the money has left the merchant but could not reach the
      // payer's account and awaits handling at WeChat Pay, so it is neither refunded to us
      // nor failed; its amount stays reserved. And anything new.
      return 'pending';
  }
}

/** An amount field from WeChat Pay (integer fen), checked against ours. */
export function checkedAmount(value: unknown, expected: bigint, what: string): bigint {
  let amount: bigint;
  try {
    amount = parseFen(value);
  } catch {
    throw new PaymuxError('provider_error', `WeChat Pay returned a malformed ${what}.`);
  }
  if (amount !== expected) {
    throw new PaymuxError(
      'amount_mismatch',
      `WeChat Pay reports ${what} ${amount} fen; Paymux expected ${expected}.`,
    );
  }
  return amount;
}

/** Safe conversion for request bodies: amounts travel as JSON integers of fen. */
export function fenNumber(amount: bigint): number {
  if (amount <= 0n || amount > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PaymuxError('invalid_amount', 'The amount is out of range for WeChat Pay.');
  }
  return Number(amount);
}

/** A non-2xx WeChat Pay answer as our error; transient classes are retryable. */
export function errorFrom(status: number, body: Record<string, unknown>, operation: string): PaymuxError {
  const code = typeof body.code === 'string' ? body.code : `HTTP_${status}`;
  const message = typeof body.message === 'string' ? body.message.slice(0, 200) : '';
  const detail = `WeChat Pay refused ${operation}: ${code}${message ? ` (${message})` : ''}.`;
  if (
    status === 429 ||
    status >= 500 ||
    code === 'SYSTEM_ERROR' ||
    code === 'FREQUENCY_LIMITED' ||
    code === 'BANKERROR'
  ) {
    return new PaymuxError('provider_unavailable', detail, { providerCode: code });
  }
  return new PaymuxError('provider_error', detail, { providerCode: code });
}

/** Fields of the payment query/notification resource we rely on. */
export interface TransactionResource {
  readonly appid?: string;
  readonly mchid?: string;
  readonly out_trade_no?: string;
  readonly transaction_id?: string;
  readonly trade_state?: string;
  readonly success_time?: string;
  readonly amount?: { total?: unknown; payer_total?: unknown; currency?: string };
}

export interface RefundResource {
  readonly mchid?: string;
  readonly out_trade_no?: string;
  readonly out_refund_no?: string;
  readonly refund_id?: string;
  readonly status?: string;
  readonly refund_status?: string;
  readonly success_time?: string;
  readonly amount?: { refund?: unknown; total?: unknown; currency?: string };
}
