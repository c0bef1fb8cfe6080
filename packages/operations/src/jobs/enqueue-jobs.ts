import type { Database } from '@paymux/db';
import { type RawBuilder, sql, type Transaction } from 'kysely';

/** One job to write: a pg-boss queue, a payload of ids only, and when it may start. */
export interface JobToEnqueue {
  readonly queue: string;
  readonly data: Readonly<Record<string, string | boolean>>;
  /** An absolute time, or seconds from the transaction's `now()` (the database clock pg-boss uses). */
  readonly startAfter: Date | { readonly delayS: number };
  /**
   * The job's id (a UUID), for a job that may be enqueued more than once and must exist
   * once: a handler that enqueues its successor and is retried (`enqueueJobs`'s
   * `skipExisting`). Otherwise PostgreSQL draws one.
   */
  readonly id?: string;
}

export interface InsertJobsOptions {
  /** Write the jobs only where this holds (`exists (select 1 from payment)`, another CTE). */
  readonly onlyIf?: RawBuilder<boolean> | undefined;
  /** A job whose id already exists is skipped, not an error. */
  readonly skipExisting?: boolean | undefined;
}

/**
 * Writes pg-boss job rows inside the caller's transaction (transactional outbox): they
 * commit with the state change or not at all. This is pg-boss's documented SQL path
 * (`INSERT` into `pgboss.job`): like `send()`, each row copies its queue's policy, retry,
 * expiry, heartbeat and retention settings, so the queue (created by the job-queue
 * migration, tuned by the worker) stays the one place they are set. It needs no pg-boss
 * instance, so any process holding the app pool can enqueue; `paymux_app` may insert
 * jobs and read queue settings, nothing else (migration 0005).
 */
export async function enqueueJobs(
  trx: Transaction<Database>,
  jobs: readonly JobToEnqueue[],
  options: { readonly skipExisting?: boolean } = {},
): Promise<void> {
  if (jobs.length === 0) return;
  const result = await insertJobs(jobs, options).execute(trx);
  // Every job was written (or, with skipExisting, already existed): a missing queue fails
  // the statement itself (see insertJobs); this is the backstop.
  if (!options.skipExisting && result.rows.length !== jobs.length) {
    throw new Error(`enqueueJobs: ${jobs.length} jobs given, ${result.rows.length} written`);
  }
}

/**
 * The `INSERT` that `enqueueJobs` runs, returning one row per job written (a constant:
 * `paymux_app` may not read the job table). A caller can write its jobs in the same
 * statement as its own row, as a parenthesised data-modifying CTE,
 * `with jobs as (${insertJobs(…)}) …`, with `onlyIf` when they depend on another CTE
 * having written (`exists (select 1 from payment)`). A job for a queue that does not exist
 * fails the whole statement (its name comes from the queue row, and a job's name may not be
 * null), so a statement that commits wrote every job. `jobs` must not be empty.
 */
export function insertJobs(
  jobs: readonly JobToEnqueue[],
  options: InsertJobsOptions = {},
): RawBuilder<{ readonly written: 1 }> {
  if (jobs.length === 0) throw new Error('insertJobs: no jobs');
  const rows = jobs.map(
    (job) =>
      sql`(${job.id ?? null}::uuid, ${job.queue}::text, ${JSON.stringify(job.data)}::jsonb, ${
        job.startAfter instanceof Date
          ? sql`${job.startAfter}::timestamptz`
          : sql`now() + ${job.startAfter.delayS} * interval '1 second'`
      })`,
  );
  return sql<{ readonly written: 1 }>`
    insert into pgboss.job (
      id, name, data, start_after, policy, retry_limit, retry_delay, retry_backoff, retry_delay_max,
      expire_seconds, deletion_seconds, keep_until, heartbeat_seconds, dead_letter
    )
    select coalesce(j.id, gen_random_uuid()), q.name, j.data, j.start_after, q.policy, q.retry_limit,
      q.retry_delay, q.retry_backoff, q.retry_delay_max, q.expire_seconds, q.deletion_seconds,
      j.start_after + q.retention_seconds * interval '1 second', q.heartbeat_seconds, q.dead_letter
    from (values ${sql.join(rows)}) as j (id, name, data, start_after)
    left join pgboss.queue q on q.name = j.name
    ${options.onlyIf ? sql`where ${options.onlyIf}` : sql``}
    ${options.skipExisting ? sql`on conflict do nothing` : sql``}
    returning 1 as written
  `;
}
