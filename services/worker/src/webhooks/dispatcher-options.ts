import type { Database } from '@paymux/db';
import type { ClaimedDelivery } from '@paymux/operations';
import type { KeyProvider } from '@paymux/vault';
import type { BaseLookup } from '@paymux/webhooks';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';

/** Test hooks at the crash points of a delivery; production leaves them unset. */
export interface DispatchFaults {
  /** After the claim committed, before the request is sent. */
  readonly beforeSend?: (delivery: ClaimedDelivery) => void | Promise<void>;
  /** After the endpoint answered, before the result is stored. */
  readonly afterSend?: (delivery: ClaimedDelivery) => void | Promise<void>;
}

export interface WebhookDispatcherOptions {
  /** The app pool: claims run as paymux_system, results under the delivery's tenant. */
  readonly db: Kysely<Database>;
  /** Connection string for the LISTEN connection that wakes the dispatcher. */
  readonly listenUrl?: string | undefined;
  readonly vault: KeyProvider;
  readonly logger: Logger;
  /** PAYMUX_WEBHOOK_ALLOW_LOOPBACK. */
  readonly allowLoopback: boolean;
  /** DNS for connect-time checks; tests inject names resolving to chosen addresses. */
  readonly lookup?: BaseLookup | undefined;
  /** The clock for schedules and leases; tests pass a fake one and call `runOnce()`. */
  readonly now?: (() => Date) | undefined;
  /** Jitter source, [0, 1). */
  readonly random?: (() => number) | undefined;
  /** Sends in flight per process. */
  readonly concurrency?: number | undefined;
  /** Sends in flight per endpoint, across processes: a slow endpoint holds at most this many. */
  readonly perEndpointConcurrency?: number | undefined;
  /** Per attempt; 15 s by default. */
  readonly timeoutMs?: number | undefined;
  /** How long a claim is held; a dead dispatcher's deliveries come back after it. */
  readonly leaseMs?: number | undefined;
  /** How often due retries are looked for when nothing wakes the dispatcher. */
  readonly pollIntervalMs?: number | undefined;
  readonly faults?: DispatchFaults | undefined;
}

export const DISPATCHER_DEFAULTS = {
  concurrency: 64,
  perEndpointConcurrency: 10,
  timeoutMs: 15_000,
  // Longer than the timeout plus the time to store a result, so a live attempt keeps its claim.
  leaseMs: 60_000,
  pollIntervalMs: 1_000,
} as const;
