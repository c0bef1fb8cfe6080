import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  isPlainSuccess,
  openSigningSecrets,
  recordDeliveryAttempt,
  WEBHOOK_WAKE_CHANNEL,
} from '@paymux/operations';
import { type SendResult, sendWebhook, signWebhook, type WebhookAgents, webhookBody } from '@paymux/webhooks';
import pg from 'pg';
import { DISPATCHER_DEFAULTS, type WebhookDispatcherOptions } from './dispatcher-options.ts';
import { SigningSecretCache } from './signing-secret-cache.ts';
import { SuccessBatcher } from './success-batcher.ts';

/**
 * Delivers webhooks: claims due deliveries (leases, see claimDueDeliveries), signs each
 * with the endpoint's live secrets, POSTs it through the SSRF guard with no transaction
 * open, and records the attempt. Woken at once by the NOTIFY of a committed event, and
 * every `pollIntervalMs` for retries; several dispatchers (processes) may run.
 *
 * Crash safety: a delivery is leased before it is sent and its result stored
 * compare-and-set on the lease afterwards. A crash before the send, or after it and before
 * the store, leaves the lease to lapse; the delivery is then sent again with the same
 * webhook-id (the event id). At least once, never lost.
 *
 * @example
 * const dispatcher = new WebhookDispatcher({ db, listenUrl, vault, logger, allowLoopback: false });
 * await dispatcher.start();
 * await dispatcher.stop();
 */
export class WebhookDispatcher {
  readonly #options: WebhookDispatcherOptions;
  readonly #concurrency: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #token = randomUUID();
  // Keep-alive connections. No per-origin socket cap: endpoints of different tenants may share
  // an origin, and the per-endpoint cap is the claim's. One policy and one resolver serve
  // every request here, so a kept connection was checked as a new one would be.
  readonly #agents: WebhookAgents;
  readonly #secrets = new SigningSecretCache();
  readonly #successes: SuccessBatcher;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #listener: pg.Client | undefined;
  #listenRetry: NodeJS.Timeout | undefined;
  #pumping: Promise<void> | undefined;
  #again = false;
  #moreDue = false;
  readonly #inFlightByEndpoint = new Map<string, number>();

  constructor(options: WebhookDispatcherOptions) {
    this.#options = options;
    this.#concurrency = options.concurrency ?? DISPATCHER_DEFAULTS.concurrency;
    const pool = { keepAlive: true, maxFreeSockets: 16, scheduling: 'lifo' as const };
    this.#agents = { http: new HttpAgent(pool), https: new HttpsAgent(pool) };
    this.#successes = new SuccessBatcher(options.db, () => this.#now());
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  /** Starts listening and polling. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    if (this.#options.listenUrl) await this.#listen();
    this.#schedulePoll(0);
    this.#options.logger.info({ concurrency: this.#concurrency }, 'webhook dispatcher started');
  }

  /**
   * Stops claiming, then waits for sends in flight (each bounded by its timeout) and their
   * results to be stored. Deliveries it could not finish keep their leases, which lapse.
   */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#listenRetry);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => {});
    await this.#pumping;
    await Promise.allSettled([...this.#inFlight]);
    this.#secrets.clear();
    this.#agents.http.destroy();
    this.#agents.https.destroy();
    this.#options.logger.info('webhook dispatcher stopped');
  }

  /**
   * Claims and delivers everything due now (as many rounds as it takes), and waits for it;
   * for tests with a fake clock, and for tools. Returns how many attempts were made.
   */
  async runOnce(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const claimed = await this.#claim(this.#concurrency);
      if (claimed.length === 0) break;
      attempted += claimed.length;
      await Promise.all(claimed.map((delivery) => this.#deliver(delivery)));
    }
    return attempted;
  }

  /** Asks for a claim round soon; rounds never overlap, and a request during one queues another. */
  wake(): void {
    if (!this.#running) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again && this.#running) {
        this.#again = false;
        this.wake();
      }
    });
  }

  async #pump(): Promise<void> {
    try {
      const free = this.#concurrency - this.#inFlight.size;
      // Every slot busy: look again when one frees up.
      if (free <= 0) {
        this.#moreDue = true;
        return;
      }
      const claimed = await this.#claim(free);
      const cap = this.#options.perEndpointConcurrency ?? DISPATCHER_DEFAULTS.perEndpointConcurrency;
      for (const delivery of claimed) {
        const endpoint = delivery.endpoint_id;
        this.#inFlightByEndpoint.set(endpoint, (this.#inFlightByEndpoint.get(endpoint) ?? 0) + 1);
        const work = this.#deliver(delivery).finally(() => {
          this.#inFlight.delete(work);
          const left = (this.#inFlightByEndpoint.get(endpoint) ?? 1) - 1;
          if (left === 0) this.#inFlightByEndpoint.delete(endpoint);
          else this.#inFlightByEndpoint.set(endpoint, left);
          if (this.#moreDue) this.wake();
        });
        this.#inFlight.add(work);
      }
      // More may be due than this claim could take: it filled every free slot, or an endpoint
      // is at its cap (the rest of its backlog waits for one of its sends). Then a finishing
      // send looks again at once; otherwise new work announces itself (NOTIFY) or the poll
      // finds it, and finishing sends claim nothing (a claim per send would double the
      // database work of a busy dispatcher).
      this.#moreDue =
        claimed.length >= free ||
        claimed.some((d) => (this.#inFlightByEndpoint.get(d.endpoint_id) ?? 0) >= cap);
    } catch (error) {
      this.#options.logger.error(
        { err: error },
        'webhook dispatcher: claim failed; retrying at the next poll',
      );
    }
  }

  async #claim(limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    return await claimDueDeliveries(this.#options.db, {
      now: this.#now(),
      limit,
      perEndpoint: this.#options.perEndpointConcurrency ?? DISPATCHER_DEFAULTS.perEndpointConcurrency,
      leaseMs: this.#options.leaseMs ?? DISPATCHER_DEFAULTS.leaseMs,
      leaseToken: `${this.#token}:${randomUUID()}`,
    });
  }

  async #deliver(delivery: ClaimedDelivery): Promise<void> {
    const { logger, faults } = this.#options;
    const log = logger.child({
      delivery_id: delivery.id,
      tenant_id: delivery.tenant_id,
      event_id: delivery.event_id,
    });
    try {
      await faults?.beforeSend?.(delivery);
      const startedAt = this.#now();
      const result = await this.#send(delivery, startedAt);
      await faults?.afterSend?.(delivery);
      // The common case, a 2xx from a healthy endpoint, is stored in a batch with others.
      const outcome = isPlainSuccess(delivery, result)
        ? (await this.#successes.record({ delivery, result, startedAt }))
          ? { recorded: true as const, status: 'succeeded', nextAttemptAt: null, endpointDisabled: null }
          : { recorded: false as const }
        : await recordDeliveryAttempt(this.#options.db, {
            delivery,
            result,
            startedAt,
            now: this.#now(),
            ...(this.#options.random ? { random: this.#options.random } : {}),
          });
      if (!outcome.recorded) {
        log.warn('webhook attempt not recorded: the lease lapsed or the endpoint was deleted');
        return;
      }
      log.info(
        {
          status: outcome.status,
          http_status: result.statusCode,
          error_class: result.errorClass,
          latency_ms: result.latencyMs,
          next_attempt_at: outcome.nextAttemptAt,
        },
        'webhook attempt',
      );
      if (outcome.endpointDisabled) {
        log.warn(
          { endpoint_id: delivery.endpoint_id, reason: outcome.endpointDisabled },
          'webhook endpoint disabled',
        );
      }
    } catch (error) {
      // The lease lapses and the delivery is attempted again: nothing is lost.
      log.error({ err: error }, 'webhook delivery failed before its result was stored');
    }
  }

  async #send(delivery: ClaimedDelivery, now: Date): Promise<SendResult> {
    const body = webhookBody({
      id: delivery.event_id,
      type: delivery.event_type,
      createdAt: delivery.event_created_at,
      data: { object: delivery.event_data },
    });
    const secrets = await this.#secrets.get(delivery, now, () =>
      openSigningSecrets(
        this.#options.vault,
        {
          tenant_id: delivery.tenant_id,
          id: delivery.endpoint_id,
          secret: delivery.secret,
          previous_secret: delivery.previous_secret,
          previous_secret_expires_at: delivery.previous_secret_expires_at,
        },
        now,
      ),
    );
    const headers = signWebhook({ id: delivery.event_id, timestamp: now, body, secrets });
    return await sendWebhook({
      url: delivery.url,
      headers,
      body,
      policy: { allowLoopback: this.#options.allowLoopback, requireHttps: delivery.mode === 'live' },
      timeoutMs: this.#options.timeoutMs ?? DISPATCHER_DEFAULTS.timeoutMs,
      agents: this.#agents,
      ...(this.#options.lookup ? { lookup: this.#options.lookup } : {}),
    });
  }

  #schedulePoll(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.wake();
      this.#schedulePoll(this.#options.pollIntervalMs ?? DISPATCHER_DEFAULTS.pollIntervalMs);
    }, delayMs);
    this.#timer.unref();
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.listenUrl });
    const lost = (reason: unknown) => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.end().catch(() => {});
      if (!this.#running) return;
      // Polling still finds the work; only the wake-up latency suffers until we are back.
      this.#options.logger.warn({ err: reason }, 'webhook dispatcher: LISTEN connection lost; reconnecting');
      this.#listenRetry = setTimeout(() => void this.#listen(), 1_000);
      this.#listenRetry.unref();
    };
    this.#listener = client;
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === WEBHOOK_WAKE_CHANNEL) this.wake();
    });
    try {
      await client.connect();
      await client.query(`listen ${WEBHOOK_WAKE_CHANNEL}`);
    } catch (error) {
      lost(error);
    }
  }
}
