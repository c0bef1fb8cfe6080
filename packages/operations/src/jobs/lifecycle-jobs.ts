import { createHash } from 'node:crypto';
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

/**
 * Job payloads carry ids only (the handler loads everything else under the tenant), plus,
 * for a payment's chained jobs, when their successors run.
 */
export interface PaymentJobData {
  readonly tenant_id: string;
  readonly mode: 'test' | 'live';
  readonly payment_id: string;
  /**
   * `payment.sync`: the syncs still to come after this one, in seconds after the payment's
   * creation, comma-separated (`"300,900"`). The sync enqueues the first of them, which
   * carries the rest.
   */
  readonly later_syncs_s?: string;
  /** `payment.expire`: seconds after `expires_at` for the late check it enqueues. */
  readonly late_check_s?: string;
}

export interface RefundJobData {
  readonly tenant_id: string;
  readonly mode: 'test' | 'live';
  readonly refund_id: string;
  /**
   * The syncs still to come after this one, in seconds after the refund's creation,
   * comma-separated, as for a payment's `later_syncs_s`.
   */
  readonly later_syncs_s?: string;
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
 * The jobs of a new payment, written in the transaction that inserts it (in the payment's own
 * statement, `insertJobs`): the first sync query and the expiry at `expires_at`. The later
 * syncs and the late check after the expiry are chained: each sync enqueues the next
 * (`nextSyncJob`), and the expiry the late check (`lateCheckJob`), only while the payment
 * can still change. A payment paid within the first minute so costs two job rows, not five,
 * and the worker runs no sync for it after the first.
 */
export function paymentJobs(
  payment: Pick<PaymentRow, 'tenant_id' | 'mode' | 'id' | 'expires_at'>,
  schedule: LifecycleSchedule = DEFAULT_LIFECYCLE_SCHEDULE,
): JobToEnqueue[] {
  const data: PaymentJobData = { tenant_id: payment.tenant_id, mode: payment.mode, payment_id: payment.id };
  const [first, ...later] = schedule.paymentSyncDelaysS;
  return [
    ...(first === undefined
      ? []
      : [
          {
            queue: LIFECYCLE_QUEUES.paymentSync,
            data: { ...data, ...(later.length > 0 ? { later_syncs_s: later.join(',') } : {}) },
            startAfter: { delayS: first },
          },
        ]),
    {
      queue: LIFECYCLE_QUEUES.paymentExpire,
      data: { ...data, late_check_s: String(schedule.lateCheckDelayS) },
      startAfter: payment.expires_at,
    },
  ];
}

/**
 * The sync after this one, at the first of `laterSyncsS` after the payment's creation,
 * carrying the rest. Its id is derived from the payment and its time, so a handler that is
 * retried enqueues it once (`enqueueJobs(…, { skipExisting: true })`).
 */
export function nextSyncJob(
  payment: Pick<PaymentRow, 'tenant_id' | 'mode' | 'id' | 'created_at'>,
  laterSyncsS: readonly number[],
): JobToEnqueue | undefined {
  return chainedJob(LIFECYCLE_QUEUES.paymentSync, payment, laterSyncsS, (rest) => ({
    tenant_id: payment.tenant_id,
    mode: payment.mode,
    payment_id: payment.id,
    ...(rest.length > 0 ? { later_syncs_s: rest.join(',') } : {}),
  }));
}

/**
 * The job at the first of `laterSyncsS` seconds after the object's creation, its payload
 * built from the delays after it, under an id derived from the object and its start time.
 */
function chainedJob(
  queue: string,
  object: { readonly id: string; readonly created_at: Date },
  laterSyncsS: readonly number[],
  dataFor: (rest: readonly number[]) => PaymentJobData | RefundJobData,
): JobToEnqueue | undefined {
  const [next, ...rest] = laterSyncsS;
  if (next === undefined) return undefined;
  const startAfter = new Date(object.created_at.getTime() + next * 1000);
  return { queue, id: chainedJobId(queue, object.id, startAfter), data: { ...dataFor(rest) }, startAfter };
}

/** The late check (a `payment.sync`) `lateCheckS` after `expires_at`, enqueued once like `nextSyncJob`. */
export function lateCheckJob(
  payment: Pick<PaymentRow, 'tenant_id' | 'mode' | 'id' | 'expires_at'>,
  lateCheckS: number,
): JobToEnqueue {
  const startAfter = new Date(payment.expires_at.getTime() + lateCheckS * 1000);
  return {
    queue: LIFECYCLE_QUEUES.paymentSync,
    id: chainedJobId(LIFECYCLE_QUEUES.paymentSync, payment.id, startAfter),
    data: { tenant_id: payment.tenant_id, mode: payment.mode, payment_id: payment.id },
    startAfter,
  };
}

/** A UUID-shaped id from the queue, the object and the start time: the same job, the same id. */
function chainedJobId(queue: string, objectId: string, startAfter: Date): string {
  const h = createHash('sha256').update(`${queue}|${objectId}|${startAfter.getTime()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Writes `paymentJobs` in the caller's transaction (the one that inserts the payment). */
export async function schedulePaymentJobs(
  trx: Transaction<Database>,
  payment: PaymentRow,
  schedule: LifecycleSchedule = DEFAULT_LIFECYCLE_SCHEDULE,
): Promise<void> {
  await enqueueJobs(trx, paymentJobs(payment, schedule));
}

/**
 * The first sync of a new refund, written in the transaction that inserts it (so a crash
 * during the provider call still leaves it; a refund settled at once makes it a no-op). The
 * later syncs are chained like a payment's: each enqueues the next while the refund is still
 * pending (`nextRefundSyncJob`), and the last is marked `final`.
 */
export function refundJobs(
  refund: Pick<RefundRow, 'tenant_id' | 'mode' | 'id'>,
  schedule: LifecycleSchedule = DEFAULT_LIFECYCLE_SCHEDULE,
): JobToEnqueue[] {
  const [first, ...later] = schedule.refundSyncDelaysS;
  if (first === undefined) return [];
  return [
    {
      queue: LIFECYCLE_QUEUES.refundSync,
      data: { ...refundSyncData(refund, later) },
      startAfter: { delayS: first },
    },
  ];
}

/**
 * The refund sync after this one, at the first of `laterSyncsS` after the refund's creation,
 * carrying the rest (or `final` when none is left). Enqueued once under a derived id, as
 * `nextSyncJob`.
 */
export function nextRefundSyncJob(
  refund: Pick<RefundRow, 'tenant_id' | 'mode' | 'id' | 'created_at'>,
  laterSyncsS: readonly number[],
): JobToEnqueue | undefined {
  return chainedJob(LIFECYCLE_QUEUES.refundSync, refund, laterSyncsS, (rest) => refundSyncData(refund, rest));
}

function refundSyncData(
  refund: Pick<RefundRow, 'tenant_id' | 'mode' | 'id'>,
  later: readonly number[],
): RefundJobData {
  return {
    tenant_id: refund.tenant_id,
    mode: refund.mode,
    refund_id: refund.id,
    ...(later.length > 0 ? { later_syncs_s: later.join(',') } : { final: true }),
  };
}

/** Writes `refundJobs` in the caller's transaction (the one that inserts the pending refund). */
export async function scheduleRefundSync(
  trx: Transaction<Database>,
  refund: RefundRow,
  schedule: LifecycleSchedule = DEFAULT_LIFECYCLE_SCHEDULE,
): Promise<void> {
  await enqueueJobs(trx, refundJobs(refund, schedule));
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
