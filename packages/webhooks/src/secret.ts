import { randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
// Standard Webhooks allows 24–64 random bytes; we generate 32, the SHA-256 output size.
const MIN_BYTES = 24;
const MAX_BYTES = 64;
const GENERATED_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A new endpoint signing secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes.
 *
 * @example
 * const secret = generateWebhookSecret(); // "whsec_q3bX…="
 */
export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(GENERATED_BYTES).toString('base64');
}

/** True for `whsec_<base64 of 24..64 bytes>`. */
export function isWebhookSecret(value: string): boolean {
  return webhookSecretKey(value) !== undefined;
}

/**
 * The HMAC key inside a `whsec_` secret, or undefined when the secret is malformed.
 * Only canonical base64 is accepted: a lenient decode would silently sign with a key the
 * consumer's library decodes differently.
 */
export function webhookSecretKey(value: string): Buffer | undefined {
  if (!value.startsWith(PREFIX)) return undefined;
  const encoded = value.slice(PREFIX.length);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_BYTES || key.length > MAX_BYTES) return undefined;
  return key.toString('base64') === encoded ? key : undefined;
}
