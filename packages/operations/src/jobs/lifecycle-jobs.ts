import type { Database, PaymentRow, RefundRow } from '@paymux/db';
import type { Transaction } from 'kysely';
import { enqueueJobs, type JobToEnqueue } from './enqueue-jobs.ts';

/** The payment lifecycle queues; `services/worker` works them. Created by migration 0005. */
export const LIFECYCLE_QUEUES = {
  paymentSync: 'payment.sync',
  paymentExpire: 'payment.expire',
  refundSync: 'refund.sync',
  /** Created by migration 0006: refunds a late payment when the tenant asks for it. */
  paymentAutoRefund: 'payment.auto_refund',
} as const;

/** Job payloads carry ids only: the handler loads everything else under the tenant. */
export interface PaymentJobData {
  readonly tenant_id: string;
  readonly mode: 'test' | 'live';
  readonly payment_id: string;
}

export interface RefundJobData {
  readonly tenant_id: string;
  readonly mode: 'test' | 'live';
  readonly refund_id: string;
  /** The last scheduled sync: a refund still pending after it is left pending and logged. */
  readonly final?: boolean;
}

/** When lifecycle jobs run. Injectable so tests can use seconds instead of minutes. */
export interface LifecycleSchedule {
  /** Seconds after creation at which a still pending payment is queried at the provider. */
  readonly paymentSyncDelaysS: readonly number[];
  /**
   * Seconds after `expires_at` for one more query, after the expiry job has closed the
   * payment: it records a payment that succeeded at the provider anyway (`late`).
   */
  readonly lateCheckDelayS: number;
  /** Seconds after creation at which a pending refund is queried. */
  readonly refundSyncDelaysS: readonly number[];
}

export const DEFAULT_LIFECYCLE_SCHEDULE: LifecycleSchedule = {
  paymentSyncDelaysS: [60, 5 * 60, 15 * 60],
  lateCheckDelayS: 5 * 60,
  refundSyncDelaysS: [60, 5 * 60, 15 * 60, 60 * 60, 6 * 60 * 60],
};

/**
 * The jobs of a new payment: the sync queries, the expiry at `expires_at`, and the late
 * check after it. They are written in the transaction that inserts the payment
 * (`schedulePaymentJobs`, or `insertJobs` in the payment's own statement).
 */
export function paymentJobs(
  payment: Pick<PaymentRow, 'tenant_id' | 'mode' | 'id' | 'expires_at'>,
  schedule: LifecycleSchedule = DEFAULT_LIFECYCLE_SCHEDULE,
): JobToEnqueue[] {
  const data: PaymentJobData = { tenant_id: payment.tenant_id, mode: payment.mode, payment_id: payment.id };
  return [
    ...schedule.paymentSyncDelaysS.map((delayS) => ({
      queue: LIFECYCLE_QUEUES.paymentSync,
      data: { ...data },
      startAfter: { delayS },
    })),
    { queue: LIFECYCLE_QUEUES.paymentExpire, data: { ...data }, startAfter: payment.expires_at },
    {
      queue: LIFECYCLE_QUEUES.paymentSync,
      data: { ...data },
      startAfter: new Date(payment.expires_at.getTime() + schedule.lateCheckDelayS * 1000),
    },
  ];
}

/** Writes `paymentJobs` in the caller's transaction (the one that inserts the payment). */
export async function schedulePaymentJobs(
  trx: Transaction<Database>,
  payment: PaymentRow,
  schedule: LifecycleSchedule = DEFAULT_LIFECYCLE_SCHEDULE,
): Promise<void> {
  await enqueueJobs(trx, paymentJobs(payment, schedule));
}

/** In the transaction that inserts the pending refund: the sync queries, the last one marked. */
export async function scheduleRefundSync(
  trx: Transaction<Database>,
  refund: RefundRow,
  schedule: LifecycleSchedule = DEFAULT_LIFECYCLE_SCHEDULE,
): Promise<void> {
  const delays = schedule.refundSyncDelaysS;
  await enqueueJobs(
    trx,
    delays.map((delayS, i) => {
      const data: RefundJobData = {
        tenant_id: refund.tenant_id,
        mode: refund.mode,
        refund_id: refund.id,
        ...(i === delays.length - 1 ? { final: true } : {}),
      };
      return { queue: LIFECYCLE_QUEUES.refundSync, data: { ...data }, startAfter: { delayS } };
    }),
  );
}

/**
 * In the transaction that records a late success, when the tenant asked for it: one job
 * that refunds the whole payment (idempotent: its refund id is derived from the payment).
 */
export async function scheduleAutoRefund(trx: Transaction<Database>, payment: PaymentRow): Promise<void> {
  const data: PaymentJobData = { tenant_id: payment.tenant_id, mode: payment.mode, payment_id: payment.id };
  await enqueueJobs(trx, [
    { queue: LIFECYCLE_QUEUES.paymentAutoRefund, data: { ...data }, startAfter: { delayS: 0 } },
  ]);
}
