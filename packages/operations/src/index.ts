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
export { appendEvent } from './events/append-event.ts';
export { type EventView, toEventView } from './events/event-view.ts';
export { enqueueJobs, type JobToEnqueue } from './jobs/enqueue-jobs.ts';
export {
  DEFAULT_LIFECYCLE_SCHEDULE,
  LIFECYCLE_QUEUES,
  type LifecycleSchedule,
  type PaymentJobData,
  type RefundJobData,
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
