import type { WebhookAttemptRow, WebhookDeliveryRow } from '@paymux/db';

/** One event's delivery to one endpoint, across its attempts. */
export interface DeliveryView {
  readonly id: string;
  readonly object: 'delivery';
  readonly event: string;
  readonly webhook_endpoint: string;
  readonly status: 'pending' | 'succeeded' | 'failed';
  /** Attempts made so far (scheduled and manual). */
  readonly attempts: number;
  readonly last_attempt_at: string | null;
  readonly next_attempt_at: string | null;
  /** The HTTP status of the last attempt; null when it got no response. */
  readonly response_status: number | null;
  /** The last attempt's error class: timeout, dns, address_refused, connection, tls, redirect, http_status. */
  readonly last_error: string | null;
  readonly livemode: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

/** One attempt, as kept in the delivery log. */
export interface AttemptView {
  readonly number: number;
  readonly trigger: 'scheduled' | 'manual';
  readonly url: string;
  readonly started_at: string;
  readonly latency_ms: number;
  readonly status_code: number | null;
  readonly error_class: string | null;
  readonly error_message: string | null;
  /** The first 4 KB of the response body. */
  readonly response_body: string;
}

export function toDeliveryView(row: WebhookDeliveryRow): DeliveryView {
  return {
    id: row.id,
    object: 'delivery',
    event: row.event_id,
    webhook_endpoint: row.endpoint_id,
    status: row.status,
    attempts: row.attempts,
    last_attempt_at: row.last_attempt_at?.toISOString() ?? null,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    response_status: row.last_status_code,
    last_error: row.last_error,
    livemode: row.mode === 'live',
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function toAttemptView(row: WebhookAttemptRow): AttemptView {
  return {
    number: row.number,
    trigger: row.trigger,
    url: row.url,
    started_at: row.started_at.toISOString(),
    latency_ms: row.latency_ms,
    status_code: row.status_code,
    error_class: row.error_class,
    error_message: row.error_message,
    response_body: row.response_body,
  };
}
