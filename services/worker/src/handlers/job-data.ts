import { isId, PaymuxError } from '@paymux/core';
import type { PaymentJobData, RefundJobData } from '@paymux/operations';

// Payloads come from our own transactions, but the queue is outside row-level security:
// check their shape before they reach withTenant, and treat them as hints (the handler
// loads the object under the tenant and applies only what the provider says).

function invalid(what: string): PaymuxError {
  return new PaymuxError('invalid_request', `Malformed ${what} job payload.`);
}

function scopeOf(data: Record<string, unknown>, what: string): { tenantId: string; mode: 'test' | 'live' } {
  const tenantId = data.tenant_id;
  const mode = data.mode;
  if (typeof tenantId !== 'string' || !isId('tnt', tenantId)) throw invalid(what);
  if (mode !== 'test' && mode !== 'live') throw invalid(what);
  return { tenantId, mode };
}

export interface PaymentJob {
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly id: string;
  /** `payment.sync`: the syncs still to come, in seconds after creation. */
  readonly laterSyncsS: readonly number[];
  /** `payment.expire`: seconds after `expires_at` for the late check. */
  readonly lateCheckS: number | undefined;
}

const SECONDS_LIST = /^\d{1,9}(,\d{1,9}){0,31}$/;

export function parsePaymentJob(data: unknown): PaymentJob {
  const d = (data ?? {}) as Partial<PaymentJobData> & Record<string, unknown>;
  const scope = scopeOf(d, 'payment');
  if (typeof d.payment_id !== 'string' || !isId('pay', d.payment_id)) throw invalid('payment');
  const late = d.late_check_s;
  if (late !== undefined && (typeof late !== 'string' || !/^\d{1,9}$/.test(late))) throw invalid('payment');
  return {
    ...scope,
    id: d.payment_id,
    laterSyncsS: secondsList(d.later_syncs_s, 'payment'),
    lateCheckS: late === undefined ? undefined : Number(late),
  };
}

export interface RefundJob {
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly id: string;
  /** The syncs still to come, in seconds after the refund's creation. */
  readonly laterSyncsS: readonly number[];
  /** The last scheduled sync. */
  readonly final: boolean;
}

export function parseRefundJob(data: unknown): RefundJob {
  const d = (data ?? {}) as Partial<RefundJobData> & Record<string, unknown>;
  const scope = scopeOf(d, 'refund');
  if (typeof d.refund_id !== 'string' || !isId('rfd', d.refund_id)) throw invalid('refund');
  return {
    ...scope,
    id: d.refund_id,
    laterSyncsS: secondsList(d.later_syncs_s, 'refund'),
    final: d.final === true,
  };
}

function secondsList(value: unknown, what: string): number[] {
  if (value === undefined) return [];
  if (typeof value !== 'string' || !SECONDS_LIST.test(value)) throw invalid(what);
  return value.split(',').map(Number);
}
