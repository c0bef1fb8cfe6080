// Hand-written mirrors of the shapes in the Paymux API (DESIGN.md, "Tenant API (/v1)").
// Amounts are integer minor units (fen): `amount: 100` is ¥1.00. Timestamps are ISO 8601 strings.

export type Provider = 'wechatpay' | 'alipay';

export type Channel =
  | 'wechat.native'
  | 'wechat.jsapi'
  | 'wechat.h5'
  | 'wechat.app'
  | 'alipay.qr'
  | 'alipay.page'
  | 'alipay.wap'
  | 'alipay.app';

export type Currency = 'CNY';

export type EventType =
  | 'payment.succeeded'
  | 'payment.closed'
  | 'payment.failed'
  | 'refund.succeeded'
  | 'refund.failed'
  | 'reconciliation.completed'
  | 'merchant_account.unhealthy'
  | 'webhook_endpoint.disabled';

/** The `application/problem+json` body of every error response. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly request_id: string;
  /** Field errors, for `validation_failed`. */
  readonly errors?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
}

/** One page of a cursor-paginated list. */
export interface List<T> {
  readonly object: 'list';
  readonly data: T[];
  readonly has_more: boolean;
}

export interface Deleted<O extends string> {
  readonly id: string;
  readonly object: O;
  readonly deleted: true;
}

/** Query parameters every list accepts. Pass `starting_after` = the last id of the previous page. */
export interface ListParams {
  /** Page size, 1–100 (default 20). */
  readonly limit?: number;
  readonly starting_after?: string;
}

/** Lists filterable by creation time (inclusive lower bound, exclusive upper bound). */
export interface TimeRangeParams {
  readonly created_gte?: string | Date;
  readonly created_lt?: string | Date;
}

// --- whoami -------------------------------------------------------------------------------------

export interface Whoami {
  readonly object: 'api_key_identity';
  readonly tenant: string;
  readonly api_key: string;
  readonly livemode: boolean;
  readonly scopes: string[];
}

// --- merchant accounts --------------------------------------------------------------------------

/** Field names are exactly those of the sandbox's credential bundle; PEM strings for keys. */
export interface WechatpayCredentials {
  readonly mchid: string;
  readonly appid: string;
  readonly apiv3_key: string;
  readonly merchant_private_key: string;
  readonly merchant_serial_no?: string;
  readonly merchant_certificate?: string;
  readonly wechatpay_public_key?: string;
  readonly wechatpay_public_key_id?: string;
  readonly platform_certificates?: string[];
}

export interface AlipayCredentials {
  readonly app_id: string;
  readonly app_private_key: string;
  readonly alipay_public_key: string;
}

export type MerchantAccountHealth =
  | 'unverified'
  | 'ok'
  | 'invalid_credentials'
  | 'unreachable'
  | 'certificate_expiring';

/** Credentials are write-only: a merchant account shows identifiers and fingerprints instead. */
export interface MerchantAccount {
  readonly id: string;
  readonly object: 'merchant_account';
  readonly provider: Provider;
  readonly display_name: string;
  readonly livemode: boolean;
  readonly is_default: boolean;
  readonly status: 'active' | 'disabled';
  readonly health: MerchantAccountHealth;
  readonly health_detail: string | null;
  readonly health_checked_at: string | null;
  readonly identifiers: Record<string, unknown>;
  readonly fingerprints: Record<string, unknown>;
  readonly certificate_expires_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export type MerchantAccountCreateParams =
  | {
      readonly provider: 'wechatpay';
      readonly display_name: string;
      readonly credentials: WechatpayCredentials;
      readonly is_default?: boolean;
    }
  | {
      readonly provider: 'alipay';
      readonly display_name: string;
      readonly credentials: AlipayCredentials;
      readonly is_default?: boolean;
    };

export interface MerchantAccountUpdateParams {
  readonly display_name?: string;
  /** Makes this account the default for its provider and mode. */
  readonly is_default?: true;
  readonly status?: 'active' | 'disabled';
  /** Replaces the stored credentials entirely. */
  readonly credentials?: WechatpayCredentials | AlipayCredentials;
}

export interface MerchantAccountListParams extends ListParams {
  readonly provider?: Provider;
}

// --- payments -----------------------------------------------------------------------------------

export type PaymentStatus = 'requires_payment' | 'succeeded' | 'closed' | 'failed';

/** What to show the payer, by channel. */
export type NextAction =
  /** wechat.native, alipay.qr: render `qr_code` as a QR code (test mode: it opens the sandbox payer page). */
  | { readonly type: 'qr_code'; readonly qr_code: string }
  /** wechat.h5, alipay.page, alipay.wap: send the browser to `url`. */
  | { readonly type: 'redirect'; readonly url: string }
  /** wechat.jsapi: call WeixinJSBridge `getBrandWCPayRequest` with these signed parameters. */
  | {
      readonly type: 'jsapi';
      readonly jsapi: {
        readonly appId: string;
        readonly timeStamp: string;
        readonly nonceStr: string;
        readonly package: string;
        readonly signType: 'RSA';
        readonly paySign: string;
      };
    }
  /** wechat.app: the WeChat app SDK's PayReq fields. */
  | {
      readonly type: 'wechat_app';
      readonly wechat_app: {
        readonly appid: string;
        readonly partnerid: string;
        readonly prepayid: string;
        readonly package: 'Sign=WXPay';
        readonly noncestr: string;
        readonly timestamp: string;
        readonly sign: string;
      };
    }
  /** alipay.app: the signed order string for the Alipay app SDK. */
  | { readonly type: 'alipay_app'; readonly order_string: string };

export interface Payment {
  readonly id: string;
  readonly object: 'payment';
  readonly livemode: boolean;
  /** Minor units (fen). */
  readonly amount: number;
  readonly currency: Currency;
  readonly channel: Channel;
  readonly status: PaymentStatus;
  readonly description: string;
  readonly merchant_order_id: string;
  /** The merchant account id the payment was routed to. */
  readonly merchant_account: string;
  readonly provider: Provider;
  /** `null` when the provider call failed or timed out; kept as created once the payment settles. */
  readonly next_action: NextAction | null;
  /** Succeeded at the provider after Paymux had closed it. */
  readonly late: boolean;
  readonly amount_refunded: number;
  readonly provider_transaction_id: string | null;
  readonly failure_code: string | null;
  readonly failure_message: string | null;
  readonly metadata: Record<string, string>;
  readonly expires_at: string;
  readonly paid_at: string | null;
  readonly closed_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface PaymentCreateParams {
  /** Minor units (fen), a positive integer. */
  readonly amount: number;
  readonly currency: Currency;
  readonly channel: Channel;
  readonly description: string;
  /** Your order id: unique per tenant and mode. */
  readonly merchant_order_id: string;
  /** A merchant account id; the default account of the channel's provider when omitted. */
  readonly merchant_account?: string;
  /** Seconds until the payment closes unpaid (60–86400, default 900). */
  readonly expires_in?: number;
  /** Required for `wechat.jsapi`. */
  readonly payer?: { readonly openid: string };
  /** Required for `wechat.h5`. */
  readonly client_ip?: string;
  readonly return_url?: string;
  readonly metadata?: Record<string, string>;
}

export interface PaymentListParams extends ListParams, TimeRangeParams {
  readonly status?: PaymentStatus;
  readonly merchant_order_id?: string;
  readonly merchant_account?: string;
}

// --- refunds ------------------------------------------------------------------------------------

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface Refund {
  readonly id: string;
  readonly object: 'refund';
  readonly livemode: boolean;
  /** The payment id. */
  readonly payment: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly status: RefundStatus;
  readonly reason: string | null;
  readonly merchant_refund_id: string | null;
  readonly provider_refund_id: string | null;
  readonly failure_code: string | null;
  readonly failure_message: string | null;
  readonly succeeded_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface RefundCreateParams {
  /** The payment id to refund. */
  readonly payment: string;
  /** Minor units; the whole refundable remainder when omitted. */
  readonly amount?: number;
  readonly reason?: string;
  readonly merchant_refund_id?: string;
}

export interface RefundListParams extends ListParams, TimeRangeParams {
  readonly status?: RefundStatus;
  readonly payment?: string;
}

// --- events and webhooks ------------------------------------------------------------------------

/** What an event's and a webhook's `data` holds: the object as it was when the event happened. */
export interface EventData<TObject = Record<string, unknown>> {
  readonly object: TObject;
}

/** An event as listed by `GET /v1/events`. */
export interface Event<TData = EventData> {
  readonly id: string;
  readonly object: 'event';
  readonly type: EventType;
  readonly livemode: boolean;
  readonly data: TData;
  readonly created_at: string;
}

export interface EventListParams extends ListParams, TimeRangeParams {
  /** One type, or several (sent as the parameter repeated; the API also takes a comma-separated list). */
  readonly type?: EventType | readonly EventType[];
  /** Only events about this object id (`pay_…`, `rfd_…`). */
  readonly object?: string;
}

/**
 * The `type` of a webhook: an event type, or `webhook_endpoint.test` for what
 * `webhookEndpoints.test()` sends (never stored as an event, and not subscribable).
 */
export type WebhookEventType = EventType | 'webhook_endpoint.test';

/** The JSON body of a webhook, as returned by `verifyWebhook`. */
export interface WebhookEvent<TData = EventData> {
  /** The event id, also the `webhook-id` header; the same in every retry, so use it to deduplicate. */
  readonly id: string;
  readonly type: WebhookEventType;
  /** When the event happened (ISO 8601), not when this attempt was sent. */
  readonly timestamp: string;
  readonly data: TData;
}

/** Why an endpoint is disabled: by you, because it answered 410, or after five days of failures. */
export type WebhookEndpointDisabledReason = 'manual' | 'gone' | 'failing';

export interface WebhookEndpoint {
  readonly id: string;
  readonly object: 'webhook_endpoint';
  readonly url: string;
  /** Event types delivered; all of them when empty. */
  readonly enabled_events: EventType[];
  readonly description: string | null;
  readonly status: 'enabled' | 'disabled';
  /** Set while `status` is `disabled`. */
  readonly disabled_reason: WebhookEndpointDisabledReason | null;
  readonly disabled_at: string | null;
  /** Since when every attempt has failed (null after any success); five days of it disables the endpoint. */
  readonly failing_since: string | null;
  /** After a rotation: until then, deliveries are signed with the previous secret too. */
  readonly previous_secret_expires_at: string | null;
  readonly livemode: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

/** What `create` and `rotateSecret` return: the endpoint and its signing secret, shown only then. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  /** `whsec_…`. Store it now: it is not shown again. */
  readonly secret: string;
}

export interface WebhookEndpointCreateParams {
  readonly url: string;
  /** Up to 50 types; every type when omitted or empty. */
  readonly enabled_events?: EventType[];
  /** Up to 500 characters. */
  readonly description?: string;
}

export interface WebhookEndpointUpdateParams {
  readonly url?: string;
  readonly enabled_events?: EventType[];
  /** `null` clears it. */
  readonly description?: string | null;
  /** `enabled` resumes paused deliveries and clears the failure streak. */
  readonly status?: 'enabled' | 'disabled';
}

export interface WebhookEndpointListParams extends ListParams {
  readonly status?: 'enabled' | 'disabled';
}

/** Why an attempt failed. */
export type WebhookErrorClass =
  | 'timeout'
  | 'dns'
  | 'address_refused'
  | 'connection'
  | 'tls'
  | 'redirect'
  | 'http_status'
  | 'invalid_url';

/** What `webhookEndpoints.test()` reports. The endpoint's response body is never returned. */
export interface WebhookTest {
  readonly object: 'webhook_test';
  readonly webhook_endpoint: string;
  /** The endpoint answered 2xx. */
  readonly succeeded: boolean;
  /** `null` when no response arrived. */
  readonly status_code: number | null;
  readonly latency_ms: number;
  readonly error_class: WebhookErrorClass | null;
}

export interface WebhookReplayParams {
  /** Inclusive. */
  readonly since: string | Date;
  /** Exclusive; now when omitted. */
  readonly until?: string | Date;
}

/** What `webhookEndpoints.replay()` scheduled. */
export interface WebhookReplay {
  readonly object: 'webhook_replay';
  readonly webhook_endpoint: string;
  /** Events scheduled for delivery now. */
  readonly events: number;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event's delivery to one endpoint, across its attempts. */
export interface Delivery {
  readonly id: string;
  readonly object: 'delivery';
  /** The event id, also the `webhook-id` header of every attempt. */
  readonly event: string;
  readonly webhook_endpoint: string;
  readonly status: DeliveryStatus;
  /** Attempts made so far, scheduled and manual. */
  readonly attempts: number;
  readonly last_attempt_at: string | null;
  readonly next_attempt_at: string | null;
  /** The HTTP status of the last attempt; `null` when it got no response. */
  readonly response_status: number | null;
  /** Why the last attempt failed; `null` after a success or before any attempt. */
  readonly last_error: WebhookErrorClass | null;
  readonly livemode: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

/** One attempt of a delivery, as kept in its log. */
export interface DeliveryAttempt {
  readonly number: number;
  /** `manual`: made by `deliveries.retry()`. */
  readonly trigger: 'scheduled' | 'manual';
  readonly url: string;
  readonly started_at: string;
  readonly latency_ms: number;
  readonly status_code: number | null;
  readonly error_class: WebhookErrorClass | null;
  readonly error_message: string | null;
  /** The first 4 KB of your endpoint's response. */
  readonly response_body: string;
}

/** `deliveries.retrieve()`: the delivery with its latest 50 attempts, newest first. */
export interface DeliveryWithAttempts extends Delivery {
  readonly attempt_log: DeliveryAttempt[];
}

export interface DeliveryListParams extends ListParams, TimeRangeParams {
  readonly status?: DeliveryStatus;
  readonly webhook_endpoint?: string;
  readonly event?: string;
}

// --- reconciliation -----------------------------------------------------------------------------

export type ReconciliationReportStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface ReconciliationSummary {
  readonly matched: number;
  readonly missing_local: number;
  readonly missing_provider: number;
  readonly amount_mismatch: number;
  readonly status_mismatch: number;
}

export interface ReconciliationReport {
  readonly id: string;
  readonly object: 'reconciliation_report';
  readonly livemode: boolean;
  readonly merchant_account: string;
  /** The bill day, `YYYY-MM-DD` (China time). */
  readonly date: string;
  readonly status: ReconciliationReportStatus;
  readonly summary: ReconciliationSummary | null;
  readonly created_at: string;
  readonly completed_at: string | null;
}

export interface ReconciliationReportCreateParams {
  readonly merchant_account: string;
  /** `YYYY-MM-DD`. */
  readonly date: string;
}

export interface ReconciliationReportListParams extends ListParams, TimeRangeParams {
  readonly status?: ReconciliationReportStatus;
  readonly merchant_account?: string;
}
