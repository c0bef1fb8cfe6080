import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

// Kysely's view of the schema the migrations build. Keep in step with migrations/.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;

export type MembershipRole = 'owner' | 'admin' | 'developer' | 'viewer';

export interface TenantsTable {
  id: string;
  name: string;
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
}

export type Tenant = Selectable<TenantsTable>;
export type User = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKey = Insertable<ApiKeysTable>;
export type MerchantAccountRow = Selectable<MerchantAccountsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type ApiKeyUpdate = Updateable<ApiKeysTable>;
