import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPaymuxError } from '../src/errors.ts';
import {
  isTerminalPayment,
  isTerminalRefund,
  PAYMENT_STATUSES,
  type PaymentStatus,
  paymentTransition,
  REFUND_STATUSES,
  type RefundStatus,
  refundTransition,
} from '../src/state-machines.ts';

function attempt(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    if (isPaymuxError(error) && error.code === 'illegal_transition') {
      return 'illegal';
    }
    throw error;
  }
}

const ALLOWED_PAYMENT = new Map<string, boolean>([
  ['requires_payment>succeeded', false],
  ['requires_payment>closed', false],
  ['requires_payment>failed', false],
  ['closed>succeeded', true],
  ['failed>succeeded', true],
]);

describe('paymentTransition', () => {
  it('accepts exactly the documented transitions, flagging late success', () => {
    for (const from of PAYMENT_STATUSES) {
      for (const to of PAYMENT_STATUSES) {
        const late = ALLOWED_PAYMENT.get(`${from}>${to}`);
        const result = attempt(() => paymentTransition(from, to));
        expect(result, `${from} -> ${to}`).toEqual(late === undefined ? 'illegal' : { late });
      }
    }
  });

  it('rejects statuses that are not statuses', () => {
    const bogus = 'constructor' as PaymentStatus;
    expect(attempt(() => paymentTransition(bogus, 'succeeded'))).toBe('illegal');
    expect(attempt(() => paymentTransition('requires_payment', bogus))).toBe('illegal');
  });

  it('never leaves a terminal state except one late success (from closed or failed), and succeeded never regresses', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PAYMENT_STATUSES), { maxLength: 30 }), (attempts) => {
        let current: PaymentStatus = 'requires_payment';
        const accepted: PaymentStatus[] = [current];
        let lateSuccesses = 0;
        for (const to of attempts) {
          const result = attempt(() => paymentTransition(current, to));
          if (result === 'illegal') continue;
          if (isTerminalPayment(current)) {
            expect(['closed', 'failed']).toContain(current);
            expect(to).toBe('succeeded');
            expect(result).toEqual({ late: true });
            lateSuccesses++;
          }
          current = to;
          accepted.push(to);
        }
        expect(lateSuccesses).toBeLessThanOrEqual(1);
        const firstSuccess = accepted.indexOf('succeeded');
        if (firstSuccess >= 0) {
          expect(accepted.slice(firstSuccess)).toEqual(['succeeded']);
        }
        expect(accepted.length).toBeLessThanOrEqual(3);
      }),
    );
  });
});

describe('refundTransition', () => {
  it('allows only pending to succeeded or failed', () => {
    for (const from of REFUND_STATUSES) {
      for (const to of REFUND_STATUSES) {
        const ok = from === 'pending' && to !== 'pending';
        expect(
          attempt(() => refundTransition(from, to)),
          `${from} -> ${to}`,
        ).toBe(ok ? undefined : 'illegal');
      }
    }
  });

  it('never leaves a terminal state', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...REFUND_STATUSES), { maxLength: 20 }), (attempts) => {
        let current: RefundStatus = 'pending';
        let changes = 0;
        for (const to of attempts) {
          if (attempt(() => refundTransition(current, to)) === 'illegal') {
            continue;
          }
          expect(isTerminalRefund(current)).toBe(false);
          current = to;
          changes++;
        }
        expect(changes).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('terminal states', () => {
  it('classifies every status', () => {
    expect(PAYMENT_STATUSES.filter(isTerminalPayment)).toEqual(['succeeded', 'closed', 'failed']);
    expect(REFUND_STATUSES.filter(isTerminalRefund)).toEqual(['succeeded', 'failed']);
  });

  it('throws on a status outside the union', () => {
    expect(() => isTerminalPayment('paid' as PaymentStatus)).toThrow();
    expect(() => isTerminalRefund('paid' as RefundStatus)).toThrow();
  });
});
