import { formatYuan, PaymuxError, parseYuan } from '@paymux/core';
import type { ProviderPaymentStatus } from '../interface.ts';

// Pure mappings between Alipay's wire values and ours. No I/O.

/**
 * trade_status → ours. A fully refunded trade is TRADE_CLOSED too, so a closed trade
 * that shows a payment (send_pay_date / gmt_payment) was paid: it is `succeeded`, never
 * `closed`. Unknown words are `pending`.
 */
export function paymentStatusOf(tradeStatus: unknown, paidEvidence: unknown): ProviderPaymentStatus {
  switch (tradeStatus) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return 'succeeded';
    case 'TRADE_CLOSED':
      return typeof paidEvidence === 'string' && paidEvidence.length > 0 ? 'succeeded' : 'closed';
    default:
      return 'pending'; // WAIT_BUYER_PAY, and anything new
  }
}

/** Our fen → Alipay's yuan string ("0.01"). */
export function yuan(amount: bigint): string {
  if (amount <= 0n) throw new PaymuxError('invalid_amount', 'The amount must be positive.');
  return formatYuan(amount);
}

/** An Alipay yuan amount, checked exactly against ours. */
export function checkedYuan(value: unknown, expected: bigint, what: string): bigint {
  let amount: bigint;
  try {
    amount = parseYuan(String(value));
  } catch {
    throw new PaymuxError('provider_error', `Alipay returned a malformed ${what}.`);
  }
  if (amount !== expected) {
    throw new PaymuxError(
      'amount_mismatch',
      `Alipay reports ${what} ${formatYuan(amount)}; Paymux expected ${formatYuan(expected)}.`,
    );
  }
  return amount;
}

/** Alipay rejects signed empty values; drop undefined, null and '' before signing. */
export function withoutEmpty<T extends Record<string, unknown>>(params: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out as Partial<T>;
}

const TRANSIENT = new Set(['20000', 'ACQ.SYSTEM_ERROR', 'isp.unknow-error', 'aop.ACQ.SYSTEM_ERROR']);

/** An Alipay error (v3 `{code, message}` or a v2 sub_code) as ours; transient ones are retryable. */
export function errorFrom(
  code: string | undefined,
  message: string | undefined,
  operation: string,
  httpStatus?: number,
) {
  const detail = `Alipay refused ${operation}: ${code ?? 'unknown'}${message ? ` (${message.slice(0, 200)})` : ''}.`;
  const extra = code ? { providerCode: code } : {};
  if ((code && TRANSIENT.has(code)) || (httpStatus !== undefined && httpStatus >= 500)) {
    return new PaymuxError('provider_unavailable', detail, extra);
  }
  return new PaymuxError('provider_error', detail, extra);
}
