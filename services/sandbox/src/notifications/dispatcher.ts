import { sql } from 'kysely';
import type { Notification } from '../db/schema.ts';
import type { SandboxDeps } from '../deps.ts';
import type { NotificationPolicies } from './policy.ts';

const SEND_TIMEOUT_MS = 5_000; // both providers give the merchant 5 s to answer
const LEASE_MS = 30_000;
const BATCH = 20;
const RESPONSE_BODY_LIMIT = 2_048;

export interface DispatcherOptions {
  readonly deps: SandboxDeps;
  readonly policies: NotificationPolicies;
  /** Poll interval; the dispatcher is also woken by `kick()` after an enqueue. */
  readonly pollMs?: number;
  /** Provider-side periodic work, run before each pass (e.g. settling processing refunds). */
  readonly sweeps?: ReadonlyArray<() => Promise<void>>;
}

/**
 * Sends queued notifications the way the providers do: until acknowledged, on each
 * provider's retry schedule (divided by the time factor), then gives up ('exhausted').
 * Claims are leased rows (FOR UPDATE SKIP LOCKED), so several dispatchers can run and a
 * crashed one's claims come back; no transaction is held across an HTTP call.
 */
export class NotificationDispatcher {
  readonly #options: DispatcherOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #again = false;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Runs a pass soon (after an enqueue), without waiting for the next poll. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.kick();
        return;
      }
      const pollMs =
        this.#options.pollMs ?? Math.max(10, Math.min(500, 1000 / this.#options.deps.config.timeFactor));
      this.#timer = setTimeout(() => this.kick(), pollMs);
      this.#timer.unref();
    });
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#stopped && (await this.runOnce()) > 0) {
        // keep draining while there is due work
      }
    } catch (error) {
      this.#options.deps.logger.error({ err: error }, 'sandbox notification dispatcher pass failed');
    }
  }

  /** One pass: claims due notifications and attempts each once. Returns how many were attempted. */
  async runOnce(): Promise<number> {
    const { deps } = this.#options;
    for (const sweep of this.#options.sweeps ?? []) await sweep();
    const now = deps.now();
    const claimed = await deps.db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('notifications')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<=', now)]))
        .orderBy('next_attempt_at')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .execute();
      if (due.length === 0) return [];
      await trx
        .updateTable('notifications')
        .set({ leased_until: new Date(now.getTime() + LEASE_MS) })
        .where(
          'id',
          'in',
          due.map((n) => n.id),
        )
        .execute();
      return due;
    });
    await Promise.all(claimed.map((n) => this.#attempt(n)));
    return claimed.length;
  }

  async #attempt(notification: Notification): Promise<void> {
    const { deps, policies } = this.#options;
    const policy = policies[notification.provider];
    const attempt = notification.attempts + 1;
    const attemptedAt = deps.now();
    const started = performance.now();
    let statusCode: number | null = null;
    let responseBody: string | null = null;
    let error: string | null = null;
    try {
      const { headers, body } = await policy.render(notification, deps);
      const res = await fetch(notification.url, {
        method: 'POST',
        headers: { 'content-type': notification.content_type, ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      statusCode = res.status;
      responseBody = (await res.text()).slice(0, RESPONSE_BODY_LIMIT);
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const durationMs = Math.round(performance.now() - started);
    const acknowledged = statusCode !== null && policy.isAcknowledged(statusCode, responseBody ?? '');
    const schedule = policy.retryScheduleSeconds;
    const delayS = schedule[attempt - 1];
    const status = acknowledged ? 'delivered' : delayS === undefined ? 'exhausted' : 'pending';
    const nextAttemptAt =
      delayS === undefined
        ? attemptedAt
        : new Date(attemptedAt.getTime() + (delayS * 1000) / deps.config.timeFactor);

    await deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('notification_attempts')
        .values({
          notification_id: notification.id,
          attempt,
          attempted_at: attemptedAt,
          status_code: statusCode,
          response_body: responseBody,
          error,
          duration_ms: durationMs,
          acknowledged,
        })
        .execute();
      await trx
        .updateTable('notifications')
        .set({
          attempts: attempt,
          // An admin may have withheld it meanwhile; never overwrite that.
          status: sql`case when status = 'withheld' then 'withheld' else ${status} end`,
          next_attempt_at: nextAttemptAt,
          leased_until: null,
          delivered_at: acknowledged ? attemptedAt : null,
        })
        .where('id', '=', notification.id)
        .execute();
    });
  }
}
