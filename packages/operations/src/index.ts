/**
 * @paymux/operations: business operations as plain verbs, `verb({ ctx, input })`.
 * Transports (the API, the CLI, the portal) stay thin and call these.
 */

export { type ApiKeyView, toApiKeyView } from './api-keys/api-key-view.ts';
export { type CreateApiKeyInput, type CreatedApiKey, createApiKey } from './api-keys/create-api-key.ts';
export { type ApiKeyForAuth, findApiKeyForAuth, touchApiKey } from './api-keys/find-api-key-for-auth.ts';
export { API_KEY_REVOKED_CHANNEL, revokeApiKey } from './api-keys/revoke-api-key.ts';
export { type AuditEntry, recordAudit } from './audit.ts';
export { type Actor, OPERATOR, type OperationContext } from './context.ts';
export { type AppendedEvent, appendEvent, WEBHOOK_WAKE_CHANNEL } from './events/append-event.ts';
export { type EventView, toEventView } from './events/event-view.ts';
export {
  DEFAULT_IDEMPOTENCY_PRUNE_AFTER_S,
  pruneIdempotencyKeys,
} from './idempotency/prune-idempotency-keys.ts';
export { sealedResponseContext } from './idempotency/sealed-response-context.ts';
export { enqueueJobs, type InsertJobsOptions, insertJobs, type JobToEnqueue } from './jobs/enqueue-jobs.ts';
export {
  DEFAULT_LIFECYCLE_SCHEDULE,
  LIFECYCLE_QUEUES,
  type LifecycleSchedule,
  lateCheckJob,
  nextRefundSyncJob,
  nextSyncJob,
  type PaymentJobData,
  paymentJobs,
  type RefundJobData,
  refundJobs,
  scheduleAutoRefund,
  schedulePaymentJobs,
  scheduleRefundSync,
} from './jobs/lifecycle-jobs.ts';
export {
  type CreateMerchantAccountInput,
  createMerchantAccount,
} from './merchant-accounts/create-merchant-account.ts';
export { credentialsContext } from './merchant-accounts/credentials-context.ts';
export { deleteMerchantAccount } from './merchant-accounts/delete-merchant-account.ts';
export { findMerchantAccount } from './merchant-accounts/find-merchant-account.ts';
export {
  type MerchantAccountView,
  toMerchantAccountView,
} from './merchant-accounts/merchant-account-view.ts';
export { CredentialCache, openCredentials } from './merchant-accounts/open-credentials.ts';
export {
  type EndpointsByMode,
  type ProviderContext,
  providerForAccount,
} from './merchant-accounts/provider-for-account.ts';
export {
  createRouteCache,
  MERCHANT_ACCOUNT_CHANGED_CHANNEL,
  type RouteCache,
} from './merchant-accounts/route-cache.ts';
export {
  type UpdateMerchantAccountInput,
  updateMerchantAccount,
} from './merchant-accounts/update-merchant-account.ts';
export { type AnyCredentials, validateCredentials } from './merchant-accounts/validate-credentials.ts';
export { verifyMerchantAccount } from './merchant-accounts/verify-merchant-account.ts';
export {
  type IncomingProviderNotification,
  type IngestResult,
  ingestNotification,
  type NotificationOutcome,
} from './notifications/ingest-notification.ts';
export { fieldErrorsFromZod, parseInput, validationError } from './parse-input.ts';
export { closePayment } from './payments/close-payment.ts';
export {
  type CreatePaymentInput,
  createPayment,
  createPaymentBody,
  DEFAULT_EXPIRES_IN_S,
  MAX_AMOUNT,
  type PaymentContext,
} from './payments/create-payment.ts';
export { findPayment } from './payments/find-payment.ts';
export { type PaymentView, toPaymentView } from './payments/payment-view.ts';
export { resolveMerchantAccount } from './payments/resolve-merchant-account.ts';
export { simulatePayer } from './payments/simulate-payer.ts';
export { applyPaymentQuery, syncPayment } from './payments/sync-payment.ts';
export { transitionPayment } from './payments/transition-payment.ts';
export { type CreateRefundInput, createRefund, createRefundBody } from './refunds/create-refund.ts';
export { findRefund } from './refunds/find-refund.ts';
export { type RefundView, toRefundView } from './refunds/refund-view.ts';
export { settleRefund } from './refunds/settle-refund.ts';
export {
  type CreatedTenant,
  type CreateTenantInput,
  createTenant,
  type TestModeProvisioning,
} from './tenants/create-tenant.ts';
export {
  alipayCredentialsFromBundle,
  httpSandboxProvisioner,
  type SandboxAdminClient,
  type SandboxProvisioner,
  wechatpayCredentialsFromBundle,
} from './tenants/sandbox-provisioner.ts';
export { type TenantSettings, updateTenantSettings } from './tenants/update-tenant-settings.ts';
export { countStale, type RewrapProgress, rewrapSecrets } from './vault/rewrap-secrets.ts';
export { type ClaimedDelivery, claimDueDeliveries } from './webhooks/claim-due-deliveries.ts';
export {
  type CreateWebhookEndpointInput,
  createWebhookEndpoint,
  MAX_WEBHOOK_ENDPOINTS,
} from './webhooks/create-webhook-endpoint.ts';
export { deleteWebhookEndpoint } from './webhooks/delete-webhook-endpoint.ts';
export {
  type AttemptView,
  type DeliveryView,
  toAttemptView,
  toDeliveryView,
} from './webhooks/delivery-view.ts';
export { findDelivery } from './webhooks/find-delivery.ts';
export { findWebhookEndpoint } from './webhooks/find-webhook-endpoint.ts';
export { getDelivery } from './webhooks/get-delivery.ts';
export { openSigningSecrets } from './webhooks/open-signing-secrets.ts';
export {
  DEFAULT_WEBHOOK_DELIVERY_RETENTION_S,
  pruneWebhookDeliveries,
} from './webhooks/prune-webhook-deliveries.ts';
export {
  DISABLE_AFTER_FAILING_MS,
  type RecordOutcome,
  recordDeliveryAttempt,
} from './webhooks/record-delivery-attempt.ts';
export {
  isPlainSuccess,
  recordSuccessfulAttempts,
  type SuccessfulAttempt,
} from './webhooks/record-successful-attempts.ts';
export { MAX_REPLAY_EVENTS, replayWebhookEvents } from './webhooks/replay-webhook-events.ts';
export { retryDelivery } from './webhooks/retry-delivery.ts';
export { PREVIOUS_SECRET_VALIDITY_S, rotateWebhookSecret } from './webhooks/rotate-webhook-secret.ts';
export { testWebhookEndpoint, type WebhookTestResult } from './webhooks/test-webhook-endpoint.ts';
export {
  type UpdateWebhookEndpointInput,
  updateWebhookEndpoint,
} from './webhooks/update-webhook-endpoint.ts';
export { urlPolicy, type WebhookContext } from './webhooks/webhook-context.ts';
export { toWebhookEndpointView, type WebhookEndpointView } from './webhooks/webhook-endpoint-view.ts';
export { webhookSecretContext } from './webhooks/webhook-secret-context.ts';
