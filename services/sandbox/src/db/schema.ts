import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string | T | undefined, string | T>;

export type SandboxProvider = 'wechatpay' | 'alipay';
export type OrderStatus = 'pending' | 'paid' | 'closed' | 'failed';
export type RefundStatus = 'processing' | 'success' | 'abnormal' | 'closed';

export interface WechatMerchantsTable {
  mchid: string;
  appid: string;
  name: string;
  apiv3_key: string;
  merchant_certificate: string;
  merchant_serial_no: string;
  wechatpay_private_key: string;
  wechatpay_public_key: string;
  wechatpay_public_key_id: string;
  platform_private_key: string;
  platform_certificate: string;
  platform_serial_no: string;
  verification_mode: Generated<'public_key' | 'platform_certificate'>;
  created_at: Timestamp;
}

export interface AlipayAppsTable {
  app_id: string;
  name: string;
  seller_id: string;
  app_public_key: string;
  alipay_private_key: string;
  alipay_public_key: string;
  created_at: Timestamp;
}

export interface OrdersTable {
  provider: SandboxProvider;
  merchant: string;
  out_trade_no: string;
  trade_no: string;
  trade_type: string;
  /** Minor units (fen), whatever the provider's wire format. */
  amount: bigint;
  currency: Generated<string>;
  description: string;
  notify_url: string | null;
  return_url: string | null;
  attach: string | null;
  payer: string | null;
  request_hash: string;
  status: Generated<OrderStatus>;
  scanned: Generated<boolean>;
  pay_token: string;
  time_expire: Timestamp;
  paid_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  refunded: Generated<bigint>;
  withhold_notifications: Generated<boolean>;
  extra: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface RefundsTable {
  provider: SandboxProvider;
  merchant: string;
  out_refund_no: string;
  out_trade_no: string;
  refund_id: string;
  amount: bigint;
  reason: string | null;
  notify_url: string | null;
  request_hash: string;
  status: Generated<RefundStatus>;
  succeeded_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface NotificationsTable {
  id: string;
  provider: SandboxProvider;
  merchant: string;
  kind: 'transaction' | 'refund' | 'probe';
  ref: string;
  url: string;
  content_type: string;
  body: string;
  status: Generated<'pending' | 'delivered' | 'exhausted' | 'withheld'>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  leased_until: NullableTimestamp;
  signtest: Generated<boolean>;
  created_at: Timestamp;
  delivered_at: NullableTimestamp;
}

export interface NotificationAttemptsTable {
  notification_id: string;
  attempt: number;
  attempted_at: Date | string;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
  acknowledged: boolean;
}

export interface FaultsTable {
  id: string;
  provider: SandboxProvider;
  /** e.g. `POST /v3/pay/transactions/native`, or an Alipay method such as `alipay.trade.query`. */
  endpoint: string;
  merchant: string | null;
  latency_ms: Generated<number>;
  status: number | null;
  body: string | null;
  remaining: number | null;
  created_at: Timestamp;
}

export interface BillAdjustmentsTable {
  id: string;
  provider: SandboxProvider;
  merchant: string;
  bill_date: ColumnType<string, string, string>;
  action: 'add' | 'drop' | 'alter';
  ref: string | null;
  row: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface SandboxDatabase {
  wechat_merchants: WechatMerchantsTable;
  alipay_apps: AlipayAppsTable;
  orders: OrdersTable;
  refunds: RefundsTable;
  notifications: NotificationsTable;
  notification_attempts: NotificationAttemptsTable;
  faults: FaultsTable;
  bill_adjustments: BillAdjustmentsTable;
}

export type Order = Selectable<OrdersTable>;
export type Refund = Selectable<RefundsTable>;
export type WechatMerchant = Selectable<WechatMerchantsTable>;
export type AlipayApp = Selectable<AlipayAppsTable>;
export type Notification = Selectable<NotificationsTable>;
export type Fault = Selectable<FaultsTable>;
