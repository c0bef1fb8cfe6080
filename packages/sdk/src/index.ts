/**
 * `@paymux/sdk`: the Node.js client for the Paymux API, and webhook verification.
 *
 * @example
 * import { Paymux, verifyWebhook } from '@paymux/sdk';
 */
export type { ApiKeyAlgorithm, ApiKeyFile, PrivateKeyInput } from './auth/api-key.ts';
export { Paymux, type PaymuxOptions } from './client.ts';
export {
  PaymuxConnectionError,
  PaymuxError,
  type PaymuxErrorInit,
  WebhookVerificationError,
  type WebhookVerificationFailure,
} from './errors.ts';
export type { FetchLike, RequestOptions } from './http/http-client.ts';
export type { Deliveries } from './resources/deliveries.ts';
export type { Events } from './resources/events.ts';
export type { MerchantAccounts } from './resources/merchant-accounts.ts';
export type { Payments } from './resources/payments.ts';
export type { ReconciliationReports } from './resources/reconciliation-reports.ts';
export type { Refunds } from './resources/refunds.ts';
export type { TestHelperPayments, TestHelpers } from './resources/test-helpers.ts';
export type { WebhookEndpoints } from './resources/webhook-endpoints.ts';
export type * from './types.ts';
export { SDK_VERSION } from './version.ts';
export {
  DEFAULT_TOLERANCE_SECONDS,
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookHeaders,
  Webhooks,
} from './webhooks/verify-webhook.ts';
