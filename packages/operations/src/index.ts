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
export { fieldErrorsFromZod, parseInput, validationError } from './parse-input.ts';
export { type CreatedTenant, type CreateTenantInput, createTenant } from './tenants/create-tenant.ts';
