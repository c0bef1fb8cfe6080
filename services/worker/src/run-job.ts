import { isPaymuxError } from '@paymux/core';
import type { Job } from 'pg-boss';
import type { JobContext, JobOutcome } from './handlers/job-context.ts';

export type JobHandler = (ctx: JobContext, data: unknown) => Promise<JobOutcome>;

/**
 * Runs one job and decides its fate: a result completes it; a retryable error
 * (provider_unavailable, a database hiccup, anything unknown) is thrown so pg-boss retries
 * with backoff; a non-retryable PaymuxError (bad payload, object gone, provider refusal)
 * completes it as `gave_up` with an error log, because retrying cannot change the answer.
 * What is thrown to pg-boss is rebuilt from code and message only, so no provider error
 * cause (request details) is stored in the job row.
 */
export async function runJob(
  ctx: JobContext,
  queue: string,
  job: Job<unknown>,
  handler: JobHandler,
): Promise<JobOutcome> {
  const log = ctx.logger.child({ queue, job_id: job.id, attempt: job.retryCount });
  const started = Date.now();
  try {
    const outcome = await untilAborted(handler(ctx, job.data), job.signal);
    log.info({ ...outcome, ms: Date.now() - started }, 'job done');
    return outcome;
  } catch (error) {
    if (isPaymuxError(error) && !error.retryable) {
      log.error({ code: error.code, detail: error.detail }, 'job gave up: not retryable');
      return { outcome: 'gave_up', code: error.code };
    }
    const code = isPaymuxError(error) ? error.code : 'internal_error';
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ code, detail: message, ms: Date.now() - started }, 'job failed; pg-boss retries it');
    throw new Error(`${code}: ${message}`);
  }
}

/**
 * pg-boss aborts a job's signal when its claim is gone (stop after the grace period, a
 * lapsed heartbeat): stop waiting for the handler then, so stopping is bounded. The
 * abandoned handler can no longer settle the job, and its state changes stay
 * compare-and-set, so finishing late in the background is harmless.
 */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw new Error('aborted before it started');
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error('aborted: the job was handed back to the queue'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  // Whichever loses the race must not surface as an unhandled rejection.
  work.catch(() => {});
  aborted.catch(() => {});
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
