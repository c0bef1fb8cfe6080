import { createHmac } from 'node:crypto';
import { webhookSecretKey } from './secret.ts';

/** The three Standard Webhooks headers, named as sent. */
export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/**
 * Signs `${id}.${unixSeconds}.${body}` with HMAC-SHA256 under every secret (the bytes after
 * `whsec_`, base64-decoded), giving space-separated `v1,<base64>` entries in the order of
 * `secrets`, so during a rotation a consumer holding either the old or the new secret verifies.
 * The timestamp is this attempt's, not the event's: re-sign on every retry.
 *
 * Throws TypeError when `id` is empty or contains `.` (it would make the signed content
 * ambiguous), when `secrets` is empty, or when a secret is malformed (never echoing the secret).
 *
 * @example
 * const headers = signWebhook({ id: event.id, timestamp: new Date(), body, secrets: [current, previous] });
 * // { 'webhook-id': 'evt_…', 'webhook-timestamp': '1764000000', 'webhook-signature': 'v1,… v1,…' }
 */
export function signWebhook(input: {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Buffer | string;
  readonly secrets: readonly string[];
}): WebhookHeaders {
  const { id, timestamp, body, secrets } = input;
  if (id === '' || id.includes('.')) throw new TypeError('webhook id must be non-empty and contain no "."');
  if (secrets.length === 0) throw new TypeError('at least one webhook secret is required');
  const seconds = Math.floor(timestamp.getTime() / 1000);
  if (!Number.isFinite(seconds)) throw new TypeError('webhook timestamp is not a valid date');

  // Sign the bytes, not a re-encoded string: what is signed must be exactly what is sent.
  const content = Buffer.concat([
    Buffer.from(`${id}.${seconds}.`, 'utf8'),
    typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  ]);
  const signatures = secrets.map((secret, index) => {
    const key = webhookSecretKey(secret);
    if (key === undefined) {
      throw new TypeError(`webhook secret #${index} is malformed (expected whsec_<base64>)`);
    }
    return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
  });
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signatures.join(' '),
  };
}
