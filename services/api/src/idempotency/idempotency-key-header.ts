import { z } from '@hono/zod-openapi';
import { PaymuxError } from '@paymux/core';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Stripe's limit; the column's check constraint enforces the same bound. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

// Printable ASCII only: a key is logged and compared byte-wise, so no control characters
// and no Latin-1 bytes that HTTP stacks decode differently.
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The request's `Idempotency-Key`, or `undefined` when it sent none. A key that is present
 * but empty, too long or not printable ASCII is refused with `invalid_request` rather than
 * ignored: silently running a request the client meant to protect could charge twice.
 */
export function readIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE_ASCII.test(value)) {
    throw new PaymuxError(
      'invalid_request',
      `The ${IDEMPOTENCY_KEY_HEADER} header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.`,
    );
  }
  return value;
}

/**
 * The `Idempotency-Key` header parameter for a route's OpenAPI document; pass it as
 * `createRoute({ request: { headers: idempotencyHeaders, … } })` (or `.extend()` it with
 * the route's own headers). Its rules are `readIdempotencyKey`'s, which the `idempotent()`
 * middleware applies before any validator runs, so the header validator never refuses a
 * key the middleware accepted.
 */
export const idempotencyHeaders = z.object({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string()
    .min(1)
    .max(MAX_IDEMPOTENCY_KEY_LENGTH)
    .regex(PRINTABLE_ASCII)
    .optional()
    .openapi({
      description:
        'A unique key (a UUID is a good choice) that makes retrying this POST safe. For 24 hours the same ' +
        'key with the same body replays the first response (with `Idempotent-Replayed: true`); the same key ' +
        'with a different body or path is refused with 422 `idempotency_key_reused`; while the first request ' +
        'runs, a duplicate gets 409 `idempotency_key_in_use` with `Retry-After`. Requests refused as invalid ' +
        '(400) are not remembered, so the key can be reused with a corrected body.',
      example: '5f0c8e0e-8a47-4a3b-9d1e-2c1f6f2b7a10',
    }),
});
