import type { Database } from '@paymux/db';
import type { ProviderContext } from '@paymux/operations';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { WebhookDispatcherOptions } from './webhooks/dispatcher-options.ts';

/** How quickly the queue notices things. Defaults are seconds, never hours. */
export interface WorkerTimings {
  /**
   * How often pg-boss's supervisor fails jobs whose heartbeat lapsed or whose
   * `expireInSeconds` passed (so they are retried): with a 10 s heartbeat, a killed
   * worker's job is back within about heartbeat + this.
   */
  readonly superviseIntervalSeconds: number;
  readonly monitorIntervalSeconds: number;
  /** How often an idle worker looks for due jobs. */
  readonly pollingIntervalSeconds: number;
  /** Graceful stop: in-flight handlers get this long; then their jobs are failed, to be retried. */
  readonly stopTimeoutMs: number;
  /**
   * How often Idempotency-Key records past 48 h and finished webhook deliveries past 30 days
   * are pruned (the first run is a minute after start).
   */
  readonly pruneIntervalMs: number;
}

export const DEFAULT_TIMINGS: WorkerTimings = {
  superviseIntervalSeconds: 5,
  monitorIntervalSeconds: 5,
  pollingIntervalSeconds: 2,
  stopTimeoutMs: 10_000,
  pruneIntervalMs: 60 * 60 * 1000,
};

/**
 * Retry and expiry for the lifecycle queues, applied at start-up (jobs copy them from the
 * queue when enqueued). A thrown retryable error (provider_unavailable) is retried after
 * about retryDelay·2^n seconds with jitter, capped at retryDelayMax.
 */
export interface QueueSettings {
  readonly retryLimit: number;
  readonly retryDelay: number;
  readonly retryDelayMax: number;
  readonly expireInSeconds: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  retryLimit: 8,
  retryDelay: 5,
  retryDelayMax: 600,
  expireInSeconds: 60,
};

export interface WorkerOptions {
  /** The app pool (role paymux_app): handlers run the verbs, which open tenant transactions on it. */
  readonly db: Kysely<Database>;
  /** Owner connection string for pg-boss (its schema is outside row-level security). */
  readonly url: string;
  readonly providerCtx: ProviderContext;
  /** PUBLIC_URL: the notify_url base of refunds the worker starts (late-payment auto-refunds). */
  readonly publicUrl?: string;
  readonly logger: Logger;
  readonly timings?: Partial<WorkerTimings>;
  readonly queueSettings?: Partial<QueueSettings>;
  /** Jobs handled at once per queue, per process. */
  readonly concurrency?: number;
  /** pg-boss's own pool size. */
  readonly poolSize?: number;
  /**
   * The webhook dispatcher's settings (it runs in every worker, on the app pool, woken by
   * LISTEN on `url`). `false` leaves it out, e.g. for a worker dedicated to lifecycle jobs.
   */
  readonly webhooks?:
    | Partial<Omit<WebhookDispatcherOptions, 'db' | 'vault' | 'logger' | 'listenUrl'>>
    | false;
}
