import type { Channel, PaymuxError } from '@paymux/core';

/** What the tenant's customer is shown or sent to, per channel. */
export type NextAction =
  /** wechat.native, alipay.qr: render `qr_code` as a QR code (test mode: it opens the sandbox payer page). */
  | { readonly type: 'qr_code'; readonly qr_code: string }
  /** wechat.h5, alipay.page, alipay.wap: send the browser to `url`. */
  | { readonly type: 'redirect'; readonly url: string }
  /** wechat.jsapi: call WeixinJSBridge `getBrandWCPayRequest` with these (signed) parameters. */
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

export interface CreatePaymentInput {
  readonly channel: Channel;
  /** Our payment id, used as the provider's out_trade_no. */
  readonly outTradeNo: string;
  /** Minor units (fen). */
  readonly amount: bigint;
  readonly currency: 'CNY';
  readonly description: string;
  readonly expiresAt: Date;
  readonly notifyUrl: string;
  readonly payerOpenid?: string | undefined;
  readonly clientIp?: string | undefined;
  readonly returnUrl?: string | undefined;
}

export interface CreatePaymentResult {
  readonly nextAction: NextAction;
  /** Provider references worth keeping (prepay_id, …). */
  readonly providerReference: Record<string, string>;
}

/** A provider status we understand, mapped into ours; anything unknown is `pending`, never success. */
export type ProviderPaymentStatus = 'pending' | 'succeeded' | 'closed' | 'failed' | 'not_found';

export interface PaymentQueryResult {
  readonly status: ProviderPaymentStatus;
  /** The provider's own transaction id (transaction_id / trade_no), once it exists. */
  readonly providerTransactionId?: string | undefined;
  /** The amount the provider reports, in fen; the adapter has checked it equals ours. */
  readonly amount?: bigint | undefined;
  readonly paidAt?: Date | undefined;
  /** The provider's raw status word, for the payment timeline. */
  readonly providerStatus: string;
}

export interface RefundInput {
  readonly outTradeNo: string;
  /** Our refund id, used as out_refund_no / out_request_no. */
  readonly outRefundNo: string;
  readonly amount: bigint;
  /** The payment's total, which WeChat Pay requires alongside. */
  readonly paymentAmount: bigint;
  readonly reason?: string | undefined;
  readonly notifyUrl?: string | undefined;
}

export type ProviderRefundStatus = 'pending' | 'succeeded' | 'failed' | 'not_found';

export interface RefundResult {
  readonly status: ProviderRefundStatus;
  readonly providerRefundId?: string | undefined;
  readonly amount?: bigint | undefined;
  readonly providerStatus: string;
  readonly succeededAt?: Date | undefined;
}

/** A verified, decrypted provider notification in our terms. */
export type CanonicalNotification =
  | {
      readonly kind: 'payment';
      readonly notificationId: string;
      readonly outTradeNo: string;
      readonly providerTransactionId: string;
      readonly status: ProviderPaymentStatus;
      readonly amount: bigint;
      readonly currency: string;
      readonly paidAt?: Date | undefined;
      /** mchid / app_id / seller the notification names: the caller checks them against the account. */
      readonly merchant: string;
      readonly providerStatus: string;
    }
  | {
      readonly kind: 'refund';
      readonly notificationId: string;
      readonly outTradeNo: string;
      readonly outRefundNo: string;
      readonly providerRefundId: string;
      readonly status: ProviderRefundStatus;
      readonly amount: bigint;
      readonly merchant: string;
      readonly providerStatus: string;
      readonly succeededAt?: Date | undefined;
    };

export interface IncomingNotification {
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes received: signatures are over them. */
  readonly rawBody: string;
}

/** The exact HTTP answer a provider requires. */
export interface Acknowledgement {
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
}

export type CredentialHealth =
  | { readonly health: 'ok' | 'certificate_expiring'; readonly detail?: string }
  | { readonly health: 'invalid_credentials' | 'unreachable'; readonly detail: string };

/**
 * One merchant account at one provider. Every method makes real, signed calls; every
 * response signature is verified and every amount checked against ours. Failures are
 * PaymuxErrors with our codes (`provider_error`, `provider_unavailable`), a flow the
 * provider does not offer is `unsupported`, and a status the adapter does not know maps
 * to `pending`, never to success.
 */
export interface PaymentProvider {
  readonly provider: 'wechatpay' | 'alipay';
  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult>;
  /** `expectedAmount` is checked against the provider's; a mismatch throws. */
  queryPayment(input: { outTradeNo: string; expectedAmount: bigint }): Promise<PaymentQueryResult>;
  closePayment(input: { outTradeNo: string }): Promise<void>;
  refund(input: RefundInput): Promise<RefundResult>;
  queryRefund(input: {
    outTradeNo: string;
    outRefundNo: string;
    expectedAmount: bigint;
  }): Promise<RefundResult>;
  /** Verifies the signature (and decrypts) then parses; throws `notification_rejected` on any failure. */
  parseNotification(input: IncomingNotification): Promise<CanonicalNotification>;
  acknowledge(accepted: boolean): Acknowledgement;
  /** The day's trade bill (date in Asia/Shanghai) as raw bytes, integrity-checked where the provider allows. */
  fetchBill(input: { date: string }): Promise<AsyncIterable<Uint8Array>>;
  /** A real signed call (a query for an order that does not exist) to check credentials and reachability. */
  verifyCredentials(now: Date): Promise<CredentialHealth>;
}

export type ProviderError = PaymuxError;
