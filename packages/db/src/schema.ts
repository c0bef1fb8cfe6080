import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

// Kysely's view of the schema the migrations build. Keep in step with migrations/.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;

export type MembershipRole = 'owner' | 'admin' | 'developer' | 'viewer';

export interface TenantsTable {
  id: string;
  name: string;
  /** Refund a payment that succeeded at the provider after Paymux closed or failed it. */
  auto_refund_late_payments: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MembershipsTable {
  tenant_id: string;
  user_id: string;
  role: MembershipRole;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  tenant_id: string;
  id: string;
  name: string;
  mode: 'test' | 'live';
  alg: 'ES256' | 'EdDSA';
  public_jwk: Json<Record<string, unknown>>;
  thumbprint: string;
  scopes: string[];
  created_at: Timestamp;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface MerchantAccountsTable {
  tenant_id: string;
  id: string;
  mode: 'test' | 'live';
  provider: 'wechatpay' | 'alipay';
  display_name: string;
  is_default: Generated<boolean>;
  status: Generated<'active' | 'disabled'>;
  health: Generated<MerchantAccountHealth>;
  identifiers: Json<Record<string, unknown>>;
  /** A vault envelope; never selected except to decrypt for a provider call or to re-wrap. */
  credentials: Json<Record<string, unknown>>;
  fingerprints: Json<Record<string, unknown>>;
  certificate_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  health_checked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  health_detail: string | null;
  deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type MerchantAccountHealth =
  | 'unverified'
  | 'ok'
  | 'invalid_credentials'
  | 'unreachable'
  | 'certificate_expiring';

export interface AuditLogTable {
  tenant_id: string;
  id: string;
  actor_type: 'user' | 'api_key' | 'operator' | 'system';
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  data: Json<Record<string, unknown>>;
  request_id: string | null;
  created_at: Timestamp;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  merchant_accounts: MerchantAccountsTable;
  audit_log: AuditLogTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
  idempotency_keys: IdempotencyKeysTable;
  events: EventsTable;
  provider_notifications: ProviderNotificationsTable;
  payment_activity: PaymentActivityTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export type Tenant = Selectable<TenantsTable>;
export type User = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKey = Insertable<ApiKeysTable>;
export type MerchantAccountRow = Selectable<MerchantAccountsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type ApiKeyUpdate = Updateable<ApiKeysTable>;

type NullableDate = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type PaymentStatusColumn = 'requires_payment' | 'succeeded' | 'closed' | 'failed';

export interface PaymentsTable {
  tenant_id: string;
  id: string;
  mode: 'test' | 'live';
  merchant_account_id: string;
  provider: 'wechatpay' | 'alipay';
  channel: string;
  amount: bigint;
  currency: 'CNY';
  description: string;
  merchant_order_id: string;
  status: PaymentStatusColumn;
  late: Generated<boolean>;
  next_action: Json<Record<string, unknown>> | null;
  provider_reference: Json<Record<string, unknown>>;
  provider_transaction_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  payer_openid: string | null;
  client_ip: string | null;
  return_url: string | null;
  metadata: Json<Record<string, unknown>>;
  amount_refunded: Generated<bigint>;
  expires_at: Timestamp;
  paid_at: NullableDate;
  closed_at: NullableDate;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RefundsTable {
  tenant_id: string;
  id: string;
  mode: 'test' | 'live';
  payment_id: string;
  merchant_account_id: string;
  amount: bigint;
  currency: 'CNY';
  reason: string | null;
  merchant_refund_id: string | null;
  status: 'pending' | 'succeeded' | 'failed';
  provider_refund_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  succeeded_at: NullableDate;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  mode: 'test' | 'live';
  key: string;
  request_method: string;
  request_path: string;
  request_hash: string;
  status: 'in_progress' | 'completed';
  locked_until: NullableDate;
  response_status: number | null;
  response_headers: Json<Record<string, string>> | null;
  response_body: string | null;
  created_at: Timestamp;
  completed_at: NullableDate;
}

export type PaymentRow = Selectable<PaymentsTable>;
export type RefundRow = Selectable<RefundsTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;

export interface EventsTable {
  tenant_id: string;
  id: string;
  mode: 'test' | 'live';
  type: string;
  object_id: string;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface ProviderNotificationsTable {
  tenant_id: string;
  id: string;
  mode: 'test' | 'live';
  merchant_account_id: string;
  provider: 'wechatpay' | 'alipay';
  provider_notification_id: string | null;
  payment_id: string | null;
  refund_id: string | null;
  outcome: 'applied' | 'duplicate' | 'rejected';
  reason: string | null;
  headers: Json<Record<string, string>>;
  body: string;
  received_at: Timestamp;
}

export interface PaymentActivityTable {
  tenant_id: string;
  id: string;
  payment_id: string;
  refund_id: string | null;
  kind: 'query' | 'close' | 'refund';
  outcome: string;
  detail: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export type EventRow = Selectable<EventsTable>;
export type ProviderNotificationRow = Selectable<ProviderNotificationsTable>;

export interface WebhookEndpointsTable {
  tenant_id: string;
  id: string;
  mode: 'test' | 'live';
  url: string;
  description: string | null;
  /** Empty: every event type. */
  enabled_events: ColumnType<string[], string[] | undefined, string[]>;
  status: ColumnType<'enabled' | 'disabled', 'enabled' | 'disabled' | undefined, 'enabled' | 'disabled'>;
  disabled_reason: 'manual' | 'gone' | 'failing' | null;
  disabled_at: NullableDate;
  failing_since: NullableDate;
  /** A vault envelope. */
  secret: Json<unknown>;
  previous_secret: ColumnType<unknown, string | null | undefined, string | null>;
  previous_secret_expires_at: NullableDate;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type DeliveryStatusColumn = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveriesTable {
  tenant_id: string;
  id: string;
  mode: 'test' | 'live';
  event_id: string;
  endpoint_id: string;
  status: ColumnType<DeliveryStatusColumn, DeliveryStatusColumn | undefined, DeliveryStatusColumn>;
  attempts: Generated<number>;
  /** Attempts in the current run of the retry schedule (a replay starts a new run). */
  schedule_attempts: Generated<number>;
  next_attempt_at: NullableDate;
  retry_once: Generated<boolean>;
  lease_token: string | null;
  lease_expires_at: NullableDate;
  last_attempt_at: NullableDate;
  last_status_code: number | null;
  last_error: string | null;
  succeeded_at: NullableDate;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookAttemptsTable {
  tenant_id: string;
  delivery_id: string;
  number: number;
  endpoint_id: string;
  url: string;
  started_at: Timestamp;
  latency_ms: number;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
  response_body: string;
  trigger: 'scheduled' | 'manual';
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
