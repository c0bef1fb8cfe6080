/**
 * @paymux/worker: the job worker (pg-boss on the same PostgreSQL) and the payment
 * lifecycle handlers (payment sync, payment expiry, refund sync, late-payment refunds), and
 * the webhook dispatcher.
 *
 * @example
 * const worker = await startWorker({ db, url, providerCtx, logger });
 * await worker.stop();
 */

export type { JobContext, JobOutcome } from './handlers/job-context.ts';
export type { DispatchFaults, WebhookDispatcherOptions } from './webhooks/dispatcher-options.ts';
export { DISPATCHER_DEFAULTS } from './webhooks/dispatcher-options.ts';
export { WebhookDispatcher } from './webhooks/webhook-dispatcher.ts';
export { JOB_SCHEMA, startWorker, Worker } from './worker.ts';
export {
  DEFAULT_QUEUE_SETTINGS,
  DEFAULT_TIMINGS,
  type QueueSettings,
  type WorkerOptions,
  type WorkerTimings,
} from './worker-options.ts';
