import type { Problem } from './types.ts';

export interface PaymuxErrorInit {
  readonly status: number;
  readonly code: string;
  readonly retryable: boolean;
  readonly requestId?: string | undefined;
  readonly problem?: Problem | undefined;
  readonly headers?: Headers | undefined;
  readonly cause?: unknown;
}

/**
 * An error answered by the Paymux API (`application/problem+json`), or raised on the way to it.
 * Branch on `code`: codes are stable, messages are not.
 *
 * @example
 * try {
 *   await paymux.payments.create({ ... });
 * } catch (error) {
 *   if (error instanceof PaymuxError && error.code === 'validation_failed') console.log(error.problem?.errors);
 *   else throw error;
 * }
 */
export class PaymuxError extends Error {
  override readonly name: string = 'PaymuxError';
  /** HTTP status; `0` when no response arrived (see {@link PaymuxConnectionError}). */
  readonly status: number;
  /** The stable error code, e.g. `not_found`, `validation_failed`, `rate_limited`. */
  readonly code: string;
  /** The request id to quote to Paymux support (`request_id` / `Request-Id` header). */
  readonly requestId: string | undefined;
  /** The problem+json body as received. */
  readonly problem: Problem | undefined;
  /** Whether the SDK considers the call safe and sensible to retry (it already did, `maxRetries` times). */
  readonly retryable: boolean;
  /** Response headers, when there was a response. */
  readonly headers: Headers | undefined;

  constructor(message: string, init: PaymuxErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable;
    this.requestId = init.requestId;
    this.problem = init.problem;
    this.headers = init.headers;
  }
}

/**
 * No HTTP response: DNS, connection refused or reset, TLS, or the per-attempt timeout
 * (`code: 'timeout'`). Raised after the retries are spent; `cause` holds the last failure.
 */
export class PaymuxConnectionError extends PaymuxError {
  override readonly name: string = 'PaymuxConnectionError';

  constructor(message: string, init: { code: 'connection_error' | 'timeout'; cause?: unknown }) {
    super(message, { status: 0, code: init.code, retryable: true, cause: init.cause });
  }
}

/** Why a webhook was refused; stable, for logs and metrics. */
export type WebhookVerificationFailure =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  | 'invalid_payload';

/** A webhook that is not authentic, too old, or not JSON: answer it with 400 and do not process it. */
export class WebhookVerificationError extends Error {
  override readonly name: string = 'WebhookVerificationError';
  readonly reason: WebhookVerificationFailure;

  constructor(reason: WebhookVerificationFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}
