/**
 * @paymux/webhooks: the outgoing-webhook toolkit, with no database and no server. Standard Webhooks
 * signing (`whsec_` secrets, `v1,` HMAC-SHA256 signatures, several at once during rotation), the
 * exact body bytes, the retry schedule, SSRF rules applied at registration and again at connect
 * time, and one guarded HTTP attempt that never throws.
 *
 * @example
 * const policy = { requireHttps: true, allowLoopback: false };
 * const check = await checkWebhookUrlResolved(url, policy);              // at registration
 * const body = webhookBody({ id, type: 'payment.succeeded', createdAt, data });
 * const headers = signWebhook({ id, timestamp: new Date(), body, secrets: [secret] });
 * const result = await sendWebhook({ url, headers, body, policy });      // one attempt
 * const delay = result.ok || result.gone ? null : nextAttemptDelayMs({ attemptsMade: 1, retryAfterMs: result.retryAfterMs });
 */
export { type AddressPolicy, refusedAddressReason } from './address-policy.ts';
export { ADDRESS_REFUSED, AddressRefusedError, guardedLookup } from './guarded-lookup.ts';
export { type WebhookEventInput, webhookBody } from './payload.ts';
export {
  DELIVERY_SCHEDULE_MS,
  MAX_ATTEMPTS,
  MAX_RETRY_AFTER_MS,
  nextAttemptDelayMs,
  parseRetryAfter,
} from './retry-policy.ts';
export { generateWebhookSecret, isWebhookSecret, webhookSecretKey } from './secret.ts';
export {
  DEFAULT_SEND_TIMEOUT_MS,
  RESPONSE_BODY_LIMIT,
  type SendErrorClass,
  type SendResult,
  sendWebhook,
  USER_AGENT,
  type WebhookAgents,
} from './send-webhook.ts';
export { signWebhook, type WebhookHeaders } from './sign.ts';
export {
  type BaseLookup,
  checkWebhookUrl,
  checkWebhookUrlResolved,
  systemLookup,
  type UrlCheck,
  type UrlCheckCode,
  type UrlPolicy,
} from './url-policy.ts';
