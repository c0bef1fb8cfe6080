export {
  IDEMPOTENCY_KEY_HEADER,
  idempotencyHeaders,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  readIdempotencyKey,
} from './idempotency-key-header.ts';
export {
  IDEMPOTENT_REPLAYED_HEADER,
  type IdempotencyDeps,
  type IdempotencyHandle,
  type IdempotencyOptions,
  idempotent,
} from './idempotent.ts';
export { canonicalJson, requestFingerprint } from './request-fingerprint.ts';
