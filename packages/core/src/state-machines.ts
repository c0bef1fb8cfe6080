import { describeInput } from './describe-input.ts';
import { PaymuxError } from './errors.ts';

export const PAYMENT_STATUSES = ['requires_payment', 'succeeded', 'closed', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

// closed → succeeded and failed → succeeded exist because a payer can complete payment
// at the provider after we closed the order here, or pay again after a failed attempt
// (WeChat Pay's PAYERROR is not final for the order): the money moved, so we record it,
// flagged `late`. Nothing else ever leaves a terminal state.
const PAYMENT_TRANSITIONS = {
  requires_payment: ['succeeded', 'closed', 'failed'],
  succeeded: [],
  closed: ['succeeded'],
  failed: ['succeeded'],
} as const satisfies Record<PaymentStatus, readonly PaymentStatus[]>;

const REFUND_TRANSITIONS = {
  pending: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
} as const satisfies Record<RefundStatus, readonly RefundStatus[]>;

function allowed(table: Record<string, readonly string[]>, from: string, to: string): boolean {
  // hasOwn: a status read from outside must not match "constructor" & co.
  return Object.hasOwn(table, from) && (table[from] ?? []).includes(to);
}

function illegal(kind: string, from: unknown, to: unknown): PaymuxError {
  return new PaymuxError(
    'illegal_transition',
    `A ${kind} cannot go from ${describeInput(from)} to ${describeInput(to)}.`,
  );
}

export function isPaymentStatus(value: unknown): value is PaymentStatus {
  return typeof value === 'string' && (PAYMENT_STATUSES as readonly string[]).includes(value);
}

export function isRefundStatus(value: unknown): value is RefundStatus {
  return typeof value === 'string' && (REFUND_STATUSES as readonly string[]).includes(value);
}

/**
 * Validates a payment status change. `late` is true for closed/failed → succeeded,
 * which the event must report. Everything else, including staying in the same
 * state, throws `illegal_transition`: callers treat a duplicate notification
 * as a no-op before asking.
 *
 * @example
 * paymentTransition("requires_payment", "succeeded"); // { late: false }
 * paymentTransition("closed", "succeeded");           // { late: true }
 * paymentTransition("succeeded", "closed");           // throws
 */
export function paymentTransition(from: PaymentStatus, to: PaymentStatus): { late: boolean } {
  if (!allowed(PAYMENT_TRANSITIONS, from, to)) {
    throw illegal('payment', from, to);
  }
  return { late: from === 'closed' || from === 'failed' };
}

/**
 * Validates a refund status change: only pending → succeeded | failed.
 *
 * @example
 * refundTransition("pending", "succeeded"); // ok
 * refundTransition("failed", "succeeded");  // throws
 */
export function refundTransition(from: RefundStatus, to: RefundStatus): void {
  if (!allowed(REFUND_TRANSITIONS, from, to)) {
    throw illegal('refund', from, to);
  }
}

/** Whether a payment has settled. `closed` counts: only a late success may follow it. */
export function isTerminalPayment(status: PaymentStatus): boolean {
  switch (status) {
    case 'requires_payment':
      return false;
    case 'succeeded':
    case 'closed':
    case 'failed':
      return true;
    default: {
      const unknown: never = status;
      throw new PaymuxError('internal_error', `Unknown payment status ${describeInput(unknown)}.`);
    }
  }
}

export function isTerminalRefund(status: RefundStatus): boolean {
  switch (status) {
    case 'pending':
      return false;
    case 'succeeded':
    case 'failed':
      return true;
    default: {
      const unknown: never = status;
      throw new PaymuxError('internal_error', `Unknown refund status ${describeInput(unknown)}.`);
    }
  }
}
