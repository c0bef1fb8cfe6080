import type { EventType } from '@paymux/core';
import type { WebhookEndpointRow } from '@paymux/db';

/** The public shape of an endpoint. Secrets are never part of it (only create and rotate add one). */
export interface WebhookEndpointView {
  readonly id: string;
  readonly object: 'webhook_endpoint';
  readonly url: string;
  /** Empty: every event type. */
  readonly enabled_events: EventType[];
  readonly description: string | null;
  readonly status: 'enabled' | 'disabled';
  /** Why it is disabled: `manual` (by the tenant), `gone` (it answered 410), `failing` (5 days of failures). */
  readonly disabled_reason: 'manual' | 'gone' | 'failing' | null;
  readonly disabled_at: string | null;
  /** Since when every attempt has failed (null after any success): five days of it disables the endpoint. */
  readonly failing_since: string | null;
  /** Until then, deliveries are also signed with the secret that the last rotation replaced. */
  readonly previous_secret_expires_at: string | null;
  readonly livemode: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

export function toWebhookEndpointView(row: WebhookEndpointRow, now: Date = new Date()): WebhookEndpointView {
  const previousLive =
    row.previous_secret_expires_at !== null && row.previous_secret_expires_at.getTime() > now.getTime();
  return {
    id: row.id,
    object: 'webhook_endpoint',
    url: row.url,
    enabled_events: row.enabled_events as EventType[],
    description: row.description,
    status: row.status,
    disabled_reason: row.disabled_reason,
    disabled_at: row.disabled_at?.toISOString() ?? null,
    failing_since: row.failing_since?.toISOString() ?? null,
    previous_secret_expires_at: previousLive ? (row.previous_secret_expires_at?.toISOString() ?? null) : null,
    livemode: row.mode === 'live',
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
