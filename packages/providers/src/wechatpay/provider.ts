import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { PaymuxError, parseFen } from '@paymux/core';
import WxPay from 'wechatpay-node-v3';
import { acknowledgementFor } from '../acknowledgement.ts';
import type {
  Acknowledgement,
  CanonicalNotification,
  CreatePaymentInput,
  CreatePaymentResult,
  CredentialHealth,
  IncomingNotification,
  PaymentProvider,
  PaymentQueryResult,
  RefundInput,
  RefundResult,
} from '../interface.ts';
import { fromRfc3339, toRfc3339Shanghai } from '../shanghai-time.ts';
import { decryptResource } from './aead.ts';
import type { WechatpayCredentials } from './credentials.ts';
import { WechatpayVerifier } from './signature.ts';
import {
  checkedAmount,
  errorFrom,
  fenNumber,
  paymentStatusOf,
  type RefundResource,
  refundStatusOf,
  type TransactionResource,
} from './transform.ts';
import { createTransport, type WechatpayHttpResult } from './transport.ts';

export interface WechatpayProviderOptions {
  readonly credentials: WechatpayCredentials;
  /** The real API, or the sandbox's `/sandbox/wechatpay` for test mode. */
  readonly baseUrl: string;
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  /** Earliest certificate expiry of the account, for the credential health check. */
  readonly certificateExpiresAt?: Date | null;
}

type Sdk = InstanceType<typeof WxPay>;

/**
 * WeChat Pay v3 behind `PaymentProvider`, on the official `wechatpay-node-v3` SDK with
 * its traps fixed (provider reference §4): requests go to the configured base URL through
 * `createHttp`, every response signature is verified by us with this account's own keys
 * (public-key or platform-certificate mode), and notification resources are decrypted by
 * our own GCM code, which checks the tag.
 */
export class WechatpayProvider implements PaymentProvider {
  readonly provider = 'wechatpay' as const;
  readonly #credentials: WechatpayCredentials;
  readonly #sdk: Sdk;
  readonly #verifier: WechatpayVerifier;
  readonly #now: () => Date;
  readonly #certificateExpiresAt: Date | null;

  constructor(options: WechatpayProviderOptions) {
    this.#credentials = options.credentials;
    this.#now = options.now ?? (() => new Date());
    this.#certificateExpiresAt = options.certificateExpiresAt ?? null;
    this.#verifier = new WechatpayVerifier(options.credentials);
    this.#sdk = new WxPay({
      appid: options.credentials.appid,
      mchid: options.credentials.mchid,
      serial_no: options.credentials.merchant_serial_no,
      // The SDK insists on a "publicKey" but uses it only to derive serial_no, given above.
      publicKey: Buffer.from(options.credentials.merchant_certificate ?? 'serial_no is given'),
      privateKey: Buffer.from(options.credentials.merchant_private_key),
      key: options.credentials.apiv3_key,
    });
    this.#sdk.createHttp(
      createTransport({
        baseUrl: options.baseUrl,
        timeoutMs: options.timeoutMs ?? 10_000,
        verifier: this.#verifier,
        now: this.#now,
      }) as never,
    );
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
    const common = {
      description: input.description.slice(0, 127),
      out_trade_no: input.outTradeNo,
      time_expire: toRfc3339Shanghai(input.expiresAt),
      notify_url: input.notifyUrl,
      amount: { total: fenNumber(input.amount), currency: input.currency },
    };
    switch (input.channel) {
      case 'wechat.native': {
        const r = await this.#call('create the payment', () => this.#sdk.transactions_native(common));
        const codeUrl = r.data.code_url;
        if (typeof codeUrl !== 'string')
          throw new PaymuxError('provider_error', 'WeChat Pay returned no code_url.');
        return { nextAction: { type: 'qr_code', qr_code: codeUrl }, providerReference: {} };
      }
      case 'wechat.jsapi': {
        const openid = input.payerOpenid;
        if (!openid) throw new PaymuxError('validation_failed', 'wechat.jsapi needs payer.openid.');
        const r = await this.#call('create the payment', () =>
          this.#sdk.transactions_jsapi({ ...common, payer: { openid } }),
        );
        const d = r.data as Record<string, string>;
        const prepayId = String(d.package ?? '').replace(/^prepay_id=/, '');
        return {
          nextAction: {
            type: 'jsapi',
            jsapi: {
              appId: String(d.appId),
              timeStamp: String(d.timeStamp),
              nonceStr: String(d.nonceStr),
              package: String(d.package),
              signType: 'RSA',
              paySign: String(d.paySign),
            },
          },
          providerReference: { prepay_id: prepayId },
        };
      }
      case 'wechat.h5': {
        const clientIp = input.clientIp;
        if (!clientIp) throw new PaymuxError('validation_failed', 'wechat.h5 needs client_ip.');
        const r = await this.#call('create the payment', () =>
          this.#sdk.transactions_h5({
            ...common,
            // The SDK's types insist on app_name; WeChat requires only `type`.
            scene_info: { payer_client_ip: clientIp, h5_info: { type: 'Wap' } as never },
          }),
        );
        const h5Url = r.data.h5_url;
        if (typeof h5Url !== 'string')
          throw new PaymuxError('provider_error', 'WeChat Pay returned no h5_url.');
        // WeChat sends the payer back to redirect_url after paying.
        const url = input.returnUrl
          ? `${h5Url}${h5Url.includes('?') ? '&' : '?'}redirect_url=${encodeURIComponent(input.returnUrl)}`
          : h5Url;
        return { nextAction: { type: 'redirect', url }, providerReference: {} };
      }
      case 'wechat.app': {
        const r = await this.#call('create the payment', () => this.#sdk.transactions_app(common));
        const d = r.data as Record<string, string>;
        return {
          nextAction: {
            type: 'wechat_app',
            wechat_app: {
              appid: String(d.appid),
              partnerid: String(d.partnerid),
              prepayid: String(d.prepayid),
              package: 'Sign=WXPay',
              noncestr: String(d.noncestr),
              timestamp: String(d.timestamp),
              sign: String(d.sign),
            },
          },
          providerReference: { prepay_id: String(d.prepayid) },
        };
      }
      default:
        throw new PaymuxError('unsupported', `WeChat Pay does not serve channel ${input.channel}.`);
    }
  }

  async queryPayment(input: { outTradeNo: string; expectedAmount: bigint }): Promise<PaymentQueryResult> {
    const r = await this.#raw(() => this.#sdk.query({ out_trade_no: input.outTradeNo }));
    if (r.status === 404)
      return { status: 'not_found', providerStatus: String(r.data.code ?? 'ORDER_NOT_EXIST') };
    if (r.status >= 300) throw errorFrom(r.status, r.data, 'the payment query');
    return this.#paymentResult(r.data as TransactionResource, input.outTradeNo, input.expectedAmount);
  }

  async closePayment(input: { outTradeNo: string }): Promise<void> {
    await this.#call('closing the payment', () => this.#sdk.close(input.outTradeNo));
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const r = await this.#call('the refund', () =>
      this.#sdk.refunds({
        out_trade_no: input.outTradeNo,
        out_refund_no: input.outRefundNo,
        ...(input.reason ? { reason: input.reason.slice(0, 80) } : {}),
        ...(input.notifyUrl ? { notify_url: input.notifyUrl } : {}),
        amount: { refund: fenNumber(input.amount), total: fenNumber(input.paymentAmount), currency: 'CNY' },
      }),
    );
    return this.#refundResult(r.data as RefundResource, input.outRefundNo, input.amount);
  }

  async queryRefund(input: {
    outTradeNo: string;
    outRefundNo: string;
    expectedAmount: bigint;
  }): Promise<RefundResult> {
    const r = await this.#raw(() => this.#sdk.find_refunds(input.outRefundNo));
    if (r.status === 404)
      return { status: 'not_found', providerStatus: String(r.data.code ?? 'RESOURCE_NOT_EXISTS') };
    if (r.status >= 300) throw errorFrom(r.status, r.data, 'the refund query');
    return this.#refundResult(r.data as RefundResource, input.outRefundNo, input.expectedAmount);
  }

  async parseNotification(input: IncomingNotification): Promise<CanonicalNotification> {
    const reject = (reason: string) =>
      new PaymuxError('notification_rejected', `WeChat Pay notification rejected: ${reason}.`);
    const check = this.#verifier.verify(input.headers, input.rawBody, this.#now());
    if (!check.ok) throw reject(check.reason);
    let envelope: {
      id?: unknown;
      event_type?: unknown;
      resource?: { ciphertext?: unknown; nonce?: unknown; associated_data?: unknown; algorithm?: unknown };
    };
    try {
      envelope = JSON.parse(input.rawBody);
    } catch {
      throw reject('body is not JSON');
    }
    const resource = envelope.resource;
    if (
      typeof envelope.id !== 'string' ||
      typeof envelope.event_type !== 'string' ||
      !resource ||
      resource.algorithm !== 'AEAD_AES_256_GCM' ||
      typeof resource.ciphertext !== 'string' ||
      typeof resource.nonce !== 'string'
    ) {
      throw reject('unexpected envelope');
    }
    let plaintext: string;
    try {
      plaintext = decryptResource(this.#credentials.apiv3_key, {
        ciphertext: resource.ciphertext,
        nonce: resource.nonce,
        associated_data: typeof resource.associated_data === 'string' ? resource.associated_data : '',
      });
    } catch {
      throw reject('resource does not decrypt (wrong APIv3 key or tampered)');
    }
    const data = JSON.parse(plaintext) as TransactionResource & RefundResource;
    if (data.mchid !== this.#credentials.mchid) throw reject('mchid is not this merchant account');
    if (envelope.event_type.startsWith('TRANSACTION.')) {
      if (data.appid !== undefined && data.appid !== this.#credentials.appid)
        throw reject('appid is not this account');
      if (typeof data.out_trade_no !== 'string' || typeof data.transaction_id !== 'string')
        throw reject('missing ids');
      let amount: bigint;
      try {
        amount = parseFen(data.amount?.total);
      } catch {
        throw reject('malformed amount');
      }
      return {
        kind: 'payment',
        notificationId: envelope.id,
        outTradeNo: data.out_trade_no,
        providerTransactionId: data.transaction_id,
        status: paymentStatusOf(data.trade_state),
        amount,
        currency: data.amount?.currency ?? 'CNY',
        paidAt: fromRfc3339(data.success_time),
        merchant: data.mchid,
        providerStatus: String(data.trade_state),
      };
    }
    if (envelope.event_type.startsWith('REFUND.')) {
      if (typeof data.out_refund_no !== 'string' || typeof data.out_trade_no !== 'string')
        throw reject('missing ids');
      let amount: bigint;
      try {
        amount = parseFen(data.amount?.refund);
      } catch {
        throw reject('malformed amount');
      }
      const word = data.refund_status ?? envelope.event_type.slice('REFUND.'.length);
      return {
        kind: 'refund',
        notificationId: envelope.id,
        outTradeNo: data.out_trade_no,
        outRefundNo: data.out_refund_no,
        providerRefundId: String(data.refund_id ?? ''),
        status: refundStatusOf(word),
        amount,
        merchant: data.mchid,
        providerStatus: String(word),
        succeededAt: fromRfc3339(data.success_time),
      };
    }
    throw reject(`unknown event_type ${envelope.event_type.slice(0, 40)}`);
  }

  acknowledge(accepted: boolean): Acknowledgement {
    return acknowledgementFor('wechatpay', accepted ? 'accepted' : 'rejected');
  }

  async fetchBill(input: { date: string }): Promise<AsyncIterable<Uint8Array>> {
    const r = await this.#call('the bill request', () =>
      this.#sdk.tradebill({ bill_date: input.date, bill_type: 'ALL', tar_type: 'GZIP' }),
    );
    const url = r.data.download_url;
    const expected = r.data.hash_value;
    if (typeof url !== 'string' || typeof expected !== 'string') {
      throw new PaymuxError('provider_error', 'WeChat Pay returned no bill download URL.');
    }
    const download = (await this.#sdk.downloadBill(url)) as unknown as WechatpayHttpResult;
    if (download.status >= 300) throw errorFrom(download.status, download.data, 'the bill download');
    // hash_value is the SHA1 of the original bill, i.e. after decompressing a GZIP file.
    const isGzip = download.bytes[0] === 0x1f && download.bytes[1] === 0x8b;
    let text: Buffer;
    try {
      text = isGzip ? gunzipSync(download.bytes) : download.bytes;
    } catch (error) {
      throw new PaymuxError('provider_error', 'The WeChat Pay bill is not a valid GZIP file.', {
        cause: error,
      });
    }
    const actual = createHash('sha1').update(text).digest('hex');
    if (actual.toLowerCase() !== expected.toLowerCase()) {
      throw new PaymuxError('provider_error', 'The WeChat Pay bill failed its SHA1 check.');
    }
    return (async function* () {
      yield new Uint8Array(text);
    })();
  }

  async verifyCredentials(now: Date): Promise<CredentialHealth> {
    try {
      // A signed query for an order that cannot exist: a verified 404 proves the key,
      // the serial, the mchid and the platform key together.
      const r = await this.#raw(() =>
        this.#sdk.query({ out_trade_no: `paymux-health-${randomUUID().slice(0, 8)}` }),
      );
      if (r.status === 401 || r.status === 403) {
        return {
          health: 'invalid_credentials',
          detail: `WeChat Pay refused the signed request (${String(r.data.code ?? r.status)}).`,
        };
      }
      if (!r.verified)
        return {
          health: 'invalid_credentials',
          detail: 'WeChat Pay response signature did not verify with the configured platform key.',
        };
      if (r.status !== 404 && r.status >= 300) {
        return { health: 'unreachable', detail: `WeChat Pay answered HTTP ${r.status}.` };
      }
    } catch (error) {
      return {
        health: 'unreachable',
        detail: error instanceof PaymuxError ? error.detail : 'WeChat Pay could not be reached.',
      };
    }
    if (
      this.#certificateExpiresAt &&
      this.#certificateExpiresAt.getTime() - now.getTime() < 30 * 86_400_000
    ) {
      return {
        health: 'certificate_expiring',
        detail: `A certificate expires at ${this.#certificateExpiresAt.toISOString()}.`,
      };
    }
    return { health: 'ok' };
  }

  /** Runs an SDK call; non-2xx answers become our errors. */
  async #call(operation: string, fn: () => Promise<unknown>): Promise<WechatpayHttpResult> {
    const r = await this.#raw(fn);
    if (r.status >= 300) throw errorFrom(r.status, r.data, operation);
    return r;
  }

  async #raw(fn: () => Promise<unknown>): Promise<WechatpayHttpResult> {
    const r = (await fn()) as WechatpayHttpResult | undefined;
    if (!r || typeof r.status !== 'number')
      throw new PaymuxError('provider_unavailable', 'WeChat Pay gave no answer.');
    return r;
  }

  #paymentResult(data: TransactionResource, outTradeNo: string, expectedAmount: bigint): PaymentQueryResult {
    if (data.out_trade_no !== outTradeNo || data.mchid !== this.#credentials.mchid) {
      throw new PaymuxError('provider_error', 'WeChat Pay answered about another order.');
    }
    const status = paymentStatusOf(data.trade_state);
    const amount =
      data.amount?.total === undefined
        ? undefined
        : checkedAmount(data.amount.total, expectedAmount, 'amount.total');
    if (data.amount?.currency !== undefined && data.amount.currency !== 'CNY') {
      throw new PaymuxError('amount_mismatch', `WeChat Pay reports currency ${data.amount.currency}.`);
    }
    return {
      status,
      providerTransactionId: data.transaction_id,
      amount,
      paidAt: fromRfc3339(data.success_time),
      providerStatus: String(data.trade_state),
    };
  }

  #refundResult(data: RefundResource, outRefundNo: string, expectedAmount: bigint): RefundResult {
    if (data.out_refund_no !== outRefundNo)
      throw new PaymuxError('provider_error', 'WeChat Pay answered about another refund.');
    const amount = checkedAmount(data.amount?.refund, expectedAmount, 'amount.refund');
    return {
      status: refundStatusOf(data.status),
      providerRefundId: data.refund_id,
      amount,
      providerStatus: String(data.status),
      succeededAt: fromRfc3339(data.success_time),
    };
  }
}
