import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from '../errors.ts';
import type { WebhookEvent } from '../types.ts';

/** Request headers as Node (`req.headers`), Express, or the Fetch API (`Headers`) give them. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | string[] | undefined>>;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way (default 300 s). */
  readonly toleranceSeconds?: number;
  /** The clock; tests pass a fixed one. */
  readonly now?: () => Date;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const encoder = new TextEncoder();

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    // Plain objects built by hand may not be lower-cased the way Node's `req.headers` is.
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  // A repeated header: signatures are a space-separated list anyway; id and timestamp must be single.
  if (Array.isArray(value))
    return name === 'webhook-signature' ? value.join(' ') : value.length === 1 ? value[0] : undefined;
  return value;
}

/** `whsec_<base64>` → key bytes. A malformed secret is a configuration error, not a bad webhook. */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded)) throw new TypeError('Paymux: a webhook secret must look like "whsec_<base64>"');
  return Buffer.from(encoded, 'base64');
}

function bodyBytes(rawBody: string | Uint8Array): Uint8Array {
  if (typeof rawBody === 'string') return encoder.encode(rawBody);
  if (rawBody instanceof Uint8Array) return rawBody;
  throw new TypeError(
    'Paymux: verifyWebhook needs the raw request body (string, Buffer or Uint8Array), not parsed JSON',
  );
}

function sign(key: Buffer, id: string, timestamp: string, body: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/**
 * Computes a `webhook-signature` value (`v1,<base64>`) the way Paymux signs, for testing your
 * webhook handler.
 *
 * @example
 * const signature = signWebhook(secret, { id: 'evt_1', timestamp: Math.floor(Date.now() / 1000), body });
 */
export function signWebhook(
  secret: string,
  message: { readonly id: string; readonly timestamp: number | string; readonly body: string | Uint8Array },
): string {
  const signature = sign(secretKey(secret), message.id, String(message.timestamp), bodyBytes(message.body));
  return `v1,${signature.toString('base64')}`;
}

/**
 * Verifies a Paymux webhook (Standard Webhooks, HMAC-SHA256) and returns its parsed event.
 * Pass the **raw** body exactly as received, and every secret currently valid for the endpoint
 * (two while a rotation overlaps): the webhook is accepted if any `v1` signature matches any
 * secret. Throws {@link WebhookVerificationError} (answer 400) for anything not authentic or
 * outside the timestamp tolerance; deduplicate accepted events on `event.id`.
 *
 * @example
 * app.post('/webhooks/paymux', express.raw({ type: 'application/json' }), (req, res) => {
 *   let event;
 *   try {
 *     event = verifyWebhook(req.body, req.headers, process.env.PAYMUX_WEBHOOK_SECRET);
 *   } catch {
 *     return res.sendStatus(400);
 *   }
 *   // handle event.type …
 *   res.sendStatus(204);
 * });
 */
export function verifyWebhook<TData = Record<string, unknown>>(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): WebhookEvent<TData> {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new TypeError('Paymux: verifyWebhook needs at least one secret');
  const keys = secrets.map(secretKey);
  const body = bodyBytes(rawBody);

  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError(
      'missing_header',
      'The webhook-id, webhook-timestamp and webhook-signature headers are required',
    );
  }

  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp is not Unix seconds');
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const sentAt = Number(timestamp);
  if (sentAt < now - tolerance) {
    throw new WebhookVerificationError('timestamp_too_old', 'The webhook timestamp is too old');
  }
  if (sentAt > now + tolerance) {
    throw new WebhookVerificationError('timestamp_too_new', 'The webhook timestamp is in the future');
  }

  const expected = keys.map((key) => sign(key, id, timestamp, body));
  const candidates = signatures
    .split(' ')
    .map((entry) => {
      const comma = entry.indexOf(',');
      return comma < 0 ? undefined : { version: entry.slice(0, comma), value: entry.slice(comma + 1) };
    })
    .filter((entry) => entry?.version === 'v1' && BASE64.test(entry.value))
    .map((entry) => Buffer.from((entry as { value: string }).value, 'base64'));
  // Every pair is compared in constant time; lengths are public (always 32 bytes).
  const matched = candidates.some((candidate) =>
    expected.some((digest) => candidate.length === digest.length && timingSafeEqual(candidate, digest)),
  );
  if (!matched) {
    throw new WebhookVerificationError('no_matching_signature', 'No webhook signature matches the secret');
  }

  try {
    return JSON.parse(
      Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
    ) as WebhookEvent<TData>;
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'The webhook body is not JSON');
  }
}

/** `paymux.webhooks`: the same functions, for those who prefer them on the client. */
export class Webhooks {
  /** See {@link verifyWebhook}. */
  verify<TData = Record<string, unknown>>(
    rawBody: string | Uint8Array,
    headers: WebhookHeaders,
    secret: string | readonly string[],
    options?: VerifyWebhookOptions,
  ): WebhookEvent<TData> {
    return verifyWebhook<TData>(rawBody, headers, secret, options);
  }

  /** See {@link signWebhook}. */
  sign(
    secret: string,
    message: { readonly id: string; readonly timestamp: number | string; readonly body: string | Uint8Array },
  ): string {
    return signWebhook(secret, message);
  }
}
