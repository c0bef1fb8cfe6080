import { LIFECYCLE_QUEUES, pruneIdempotencyKeys, pruneWebhookDeliveries } from '@paymux/operations';
import { PgBoss } from 'pg-boss';
import { autoRefundJob } from './handlers/auto-refund-job.ts';
import { expirePaymentJob } from './handlers/expire-payment-job.ts';
import type { JobContext } from './handlers/job-context.ts';
import { syncPaymentJob } from './handlers/sync-payment-job.ts';
import { syncRefundJob } from './handlers/sync-refund-job.ts';
import { type JobHandler, runJob } from './run-job.ts';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.ts';
import {
  DEFAULT_QUEUE_SETTINGS,
  DEFAULT_TIMINGS,
  type QueueSettings,
  type WorkerOptions,
  type WorkerTimings,
} from './worker-options.ts';

/** pg-boss's schema, installed by migration 2026-11-26-0005-job-queue. */
export const JOB_SCHEMA = 'pgboss';

const HANDLERS: ReadonlyArray<readonly [string, JobHandler]> = [
  [LIFECYCLE_QUEUES.paymentSync, syncPaymentJob],
  [LIFECYCLE_QUEUES.paymentExpire, expirePaymentJob],
  [LIFECYCLE_QUEUES.refundSync, syncRefundJob],
  [LIFECYCLE_QUEUES.paymentAutoRefund, autoRefundJob],
];

/**
 * The job worker: pg-boss on the same PostgreSQL, working the payment lifecycle queues.
 * Several workers (processes) may run; claims use SKIP LOCKED, and every handler is
 * idempotent because side effects stay at-least-once.
 *
 * @example
 * const worker = await startWorker({ db, url, providerCtx, logger });
 * process.once('SIGTERM', () => worker.stop());
 */
export class Worker {
  readonly #options: WorkerOptions;
  readonly #timings: WorkerTimings;
  readonly #settings: QueueSettings;
  readonly #boss: PgBoss;
  readonly #dispatcher: WebhookDispatcher | undefined;
  #stopping: Promise<void> | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;

  constructor(options: WorkerOptions) {
    this.#options = options;
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.#settings = { ...DEFAULT_QUEUE_SETTINGS, ...options.queueSettings };
    this.#boss = new PgBoss({
      connectionString: options.url,
      schema: JOB_SCHEMA,
      application_name: 'paymux:worker',
      max: options.poolSize ?? 4,
      // The schema is installed by our migration; pg-boss still migrates it forward after an upgrade.
      migrate: true,
      supervise: true,
      superviseIntervalSeconds: this.#timings.superviseIntervalSeconds,
      monitorIntervalSeconds: this.#timings.monitorIntervalSeconds,
      schedule: false,
    });
    const webhooks = options.webhooks ?? {};
    this.#dispatcher =
      webhooks === false
        ? undefined
        : new WebhookDispatcher({
            allowLoopback: false,
            ...webhooks,
            db: options.db,
            vault: options.providerCtx.vault,
            logger: options.logger.child({ component: 'webhooks' }),
            listenUrl: options.url,
          });
  }

  /** The webhook dispatcher, when this worker runs one. */
  get dispatcher(): WebhookDispatcher | undefined {
    return this.#dispatcher;
  }

  /** The pg-boss instance (owner connection), e.g. to inspect jobs in tests or tooling. */
  get boss(): PgBoss {
    return this.#boss;
  }

  async start(): Promise<void> {
    const { logger } = this.#options;
    this.#boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
    this.#boss.on('warning', (warning) => logger.warn({ warning }, 'job queue warning'));
    await this.#boss.start();
    const ctx: JobContext = {
      ...this.#options.providerCtx,
      publicUrl: this.#options.publicUrl ?? 'http://localhost:4000',
      db: this.#options.db,
      actor: { type: 'system', id: 'worker' },
      logger: logger.child({ component: 'worker' }),
    };
    for (const [queue, handler] of HANDLERS) {
      // The migration created the queue; this re-creates it if missing and applies today's settings.
      await this.#boss.createQueue(queue, { policy: 'standard', ...this.#settings, retryBackoff: true });
      await this.#boss.updateQueue(queue, {
        retryLimit: this.#settings.retryLimit,
        retryDelay: this.#settings.retryDelay,
        retryBackoff: true,
        expireInSeconds: this.#settings.expireInSeconds,
      });
      await this.#boss.work(
        queue,
        {
          batchSize: 1,
          localConcurrency: this.#options.concurrency ?? 4,
          pollingIntervalSeconds: this.#timings.pollingIntervalSeconds,
        },
        async ([job]) => (job ? await runJob(ctx, queue, job, handler) : undefined),
      );
    }
    await this.#dispatcher?.start();
    this.#schedulePrune(Math.min(60_000, this.#timings.pruneIntervalMs));
    logger.info(
      { queues: HANDLERS.map(([q]) => q), webhooks: this.#dispatcher !== undefined },
      'worker started',
    );
  }

  /** Housekeeping on a timer (any number of workers may run it at once). */
  #schedulePrune(delayMs: number): void {
    this.#pruneTimer = setTimeout(async () => {
      try {
        const deleted = await pruneIdempotencyKeys(this.#options.db);
        if (deleted > 0) this.#options.logger.info({ deleted }, 'pruned idempotency keys past 48 h');
      } catch (error) {
        this.#options.logger.warn({ err: error }, 'pruning idempotency keys failed; retrying later');
      }
      try {
        const deleted = await pruneWebhookDeliveries(this.#options.db);
        if (deleted > 0) {
          this.#options.logger.info({ deleted }, 'pruned finished webhook deliveries past 30 days');
        }
      } catch (error) {
        this.#options.logger.warn({ err: error }, 'pruning webhook deliveries failed; retrying later');
      }
      if (this.#stopping === undefined) this.#schedulePrune(this.#timings.pruneIntervalMs);
    }, delayMs);
    this.#pruneTimer.unref();
  }

  /**
   * Graceful stop: no new claims; in-flight handlers get `stopTimeoutMs`, after which
   * pg-boss fails their jobs so they are retried (by this or another worker); then the
   * pool closes. Safe to call more than once.
   */
  async stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#pruneTimer);
      await Promise.all([
        this.#dispatcher?.stop(),
        this.#boss.stop({ graceful: true, timeout: this.#timings.stopTimeoutMs, close: true }),
      ]);
      this.#options.logger.info('worker stopped');
    })();
    return await this.#stopping;
  }
}

/** Creates and starts a Worker. */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const worker = new Worker(options);
  try {
    await worker.start();
  } catch (error) {
    await worker.stop().catch(() => {});
    throw error;
  }
  return worker;
}
