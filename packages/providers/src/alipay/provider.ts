import { randomUUID } from 'node:crypto';
import { PaymuxError, parseYuan } from '@paymux/core';
import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
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
import { fromAlipayTime, toAlipayTime } from '../shanghai-time.ts';
import type { AlipayCredentials } from './credentials.ts';
import { checkedYuan, errorFrom, paymentStatusOf, withoutEmpty, yuan } from './transform.ts';

export interface AlipayProviderOptions {
  readonly credentials: AlipayCredentials;
  /** v2 gateway, e.g. https://openapi.alipay.com/gateway.do or the sandbox's. */
  readonly gatewayUrl: string;
  /** v3 endpoint, e.g. https://openapi.alipay.com or the sandbox's. */
  readonly endpoint: string;
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

/** PEM armour off: the SDK re-wraps keys itself and breaks on a trailing newline. */
const body = (pem: string) => pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');

/**
 * Alipay (public-key mode) behind `PaymentProvider`, on the official `alipay-sdk`. API
 * calls use the v3 protocol (`curl`), whose response signatures the SDK always checks and
 * whose timestamps do not depend on the process time zone; page, wap and app payments use
 * the v2 signed forms with an explicit Beijing-time timestamp (the SDK would use the
 * process's local time); empty parameters are stripped before signing.
 */
export class AlipayProvider implements PaymentProvider {
  readonly provider = 'alipay' as const;
  readonly #credentials: AlipayCredentials;
  readonly #sdk: AlipaySdk;
  readonly #now: () => Date;
  readonly #timeoutMs: number;

  constructor(options: AlipayProviderOptions) {
    this.#credentials = options.credentials;
    this.#now = options.now ?? (() => new Date());
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#sdk = new AlipaySdk({
      appId: options.credentials.app_id,
      privateKey: body(options.credentials.app_private_key),
      keyType: 'PKCS8',
      alipayPublicKey: body(options.credentials.alipay_public_key),
      gateway: options.gatewayUrl,
      endpoint: options.endpoint.replace(/\/+$/, ''),
      timeout: this.#timeoutMs,
      // Keep Alipay's own snake_case field names in v2 results (the default renames them).
      camelcase: false,
    });
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
    const biz = {
      out_trade_no: input.outTradeNo,
      total_amount: yuan(input.amount),
      subject: input.description.slice(0, 256),
      time_expire: toAlipayTime(input.expiresAt),
    };
    const v2Common = withoutEmpty({
      notify_url: input.notifyUrl,
      return_url: input.returnUrl,
      timestamp: toAlipayTime(this.#now()),
    });
    switch (input.channel) {
      case 'alipay.qr': {
        const data = await this.#curl('POST', '/v3/alipay/trade/precreate', 'create the payment', {
          body: { ...biz, notify_url: input.notifyUrl },
        });
        if (typeof data.qr_code !== 'string')
          throw new PaymuxError('provider_error', 'Alipay returned no qr_code.');
        return { nextAction: { type: 'qr_code', qr_code: data.qr_code }, providerReference: {} };
      }
      case 'alipay.page': {
        const url = this.#sdk.pageExec('alipay.trade.page.pay', 'GET', {
          ...v2Common,
          bizContent: { ...biz, product_code: 'FAST_INSTANT_TRADE_PAY' },
        });
        return { nextAction: { type: 'redirect', url }, providerReference: {} };
      }
      case 'alipay.wap': {
        const url = this.#sdk.pageExec('alipay.trade.wap.pay', 'GET', {
          ...v2Common,
          bizContent: withoutEmpty({ ...biz, product_code: 'QUICK_WAP_WAY', quit_url: input.returnUrl }),
        });
        return { nextAction: { type: 'redirect', url }, providerReference: {} };
      }
      case 'alipay.app': {
        const orderString = this.#sdk.sdkExec('alipay.trade.app.pay', {
          ...withoutEmpty({ notify_url: input.notifyUrl, timestamp: toAlipayTime(this.#now()) }),
          bizContent: { ...biz, product_code: 'QUICK_MSECURITY_PAY' },
        });
        return { nextAction: { type: 'alipay_app', order_string: orderString }, providerReference: {} };
      }
      default:
        throw new PaymuxError('unsupported', `Alipay does not serve channel ${input.channel}.`);
    }
  }

  async queryPayment(input: { outTradeNo: string; expectedAmount: bigint }): Promise<PaymentQueryResult> {
    let data: Record<string, unknown>;
    try {
      data = await this.#curl('GET', '/v3/alipay/trade/query', 'the payment query', {
        query: { out_trade_no: input.outTradeNo },
      });
    } catch (error) {
      if (isCode(error, 'ACQ.TRADE_NOT_EXIST'))
        return { status: 'not_found', providerStatus: 'ACQ.TRADE_NOT_EXIST' };
      throw error;
    }
    if (data.out_trade_no !== undefined && data.out_trade_no !== input.outTradeNo) {
      throw new PaymuxError('provider_error', 'Alipay answered about another order.');
    }
    const amount = checkedYuan(data.total_amount, input.expectedAmount, 'total_amount');
    return {
      status: paymentStatusOf(data.trade_status, data.send_pay_date),
      providerTransactionId: typeof data.trade_no === 'string' ? data.trade_no : undefined,
      amount,
      paidAt: fromAlipayTime(data.send_pay_date),
      providerStatus: String(data.trade_status),
    };
  }

  async closePayment(input: { outTradeNo: string }): Promise<void> {
    try {
      await this.#curl('POST', '/v3/alipay/trade/close', 'closing the payment', {
        body: { out_trade_no: input.outTradeNo },
      });
    } catch (error) {
      // A precreated QR order nobody scanned never existed at Alipay: nothing to close.
      if (isCode(error, 'ACQ.TRADE_NOT_EXIST')) return;
      throw error;
    }
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const data = await this.#curl('POST', '/v3/alipay/trade/refund', 'the refund', {
      body: withoutEmpty({
        out_trade_no: input.outTradeNo,
        refund_amount: yuan(input.amount),
        out_request_no: input.outRefundNo,
        refund_reason: input.reason?.slice(0, 256),
      }),
    });
    if (data.fund_change === 'Y') {
      return {
        status: 'succeeded',
        providerRefundId: input.outRefundNo,
        amount: input.amount,
        providerStatus: 'fund_change=Y',
        succeededAt: fromAlipayTime(data.gmt_refund_pay),
      };
    }
    // fund_change N: a repeat of an earlier request, or not settled yet; ask.
    return await this.queryRefund({
      outTradeNo: input.outTradeNo,
      outRefundNo: input.outRefundNo,
      expectedAmount: input.amount,
    });
  }

  async queryRefund(input: {
    outTradeNo: string;
    outRefundNo: string;
    expectedAmount: bigint;
  }): Promise<RefundResult> {
    const data = await this.#curl('POST', '/v3/alipay/trade/fastpay/refund/query', 'the refund query', {
      body: { out_trade_no: input.outTradeNo, out_request_no: input.outRefundNo },
    });
    if (data.refund_status === 'REFUND_SUCCESS') {
      const amount = checkedYuan(data.refund_amount, input.expectedAmount, 'refund_amount');
      return {
        status: 'succeeded',
        providerRefundId: input.outRefundNo,
        amount,
        providerStatus: 'REFUND_SUCCESS',
        succeededAt: fromAlipayTime(data.gmt_refund_pay),
      };
    }
    // Alipay answers an unknown out_request_no with a success carrying no refund fields.
    if (data.refund_amount === undefined && data.refund_status === undefined) {
      return { status: 'not_found', providerStatus: 'NOT_FOUND' };
    }
    return { status: 'pending', providerStatus: String(data.refund_status ?? 'PROCESSING') };
  }

  async parseNotification(input: IncomingNotification): Promise<CanonicalNotification> {
    const reject = (reason: string) =>
      new PaymuxError('notification_rejected', `Alipay notification rejected: ${reason}.`);
    const fields: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(input.rawBody)) fields[k] = v;
    if (!fields.sign) throw reject('no signature');
    let valid = false;
    try {
      valid = this.#sdk.checkNotifySignV2(fields);
    } catch {
      valid = false;
    }
    if (!valid) throw reject('signature does not verify');
    if (fields.app_id !== this.#credentials.app_id) throw reject('app_id is not this merchant account');
    if (!fields.out_trade_no || !fields.trade_no || !fields.notify_id) throw reject('missing ids');
    let amount: bigint;
    try {
      amount = parseYuan(fields.total_amount ?? '');
    } catch {
      throw reject('malformed total_amount');
    }
    return {
      kind: 'payment',
      notificationId: fields.notify_id,
      outTradeNo: fields.out_trade_no,
      providerTransactionId: fields.trade_no,
      status: paymentStatusOf(fields.trade_status, fields.gmt_payment),
      amount,
      currency: 'CNY',
      paidAt: fromAlipayTime(fields.gmt_payment),
      merchant: fields.app_id,
      providerStatus: String(fields.trade_status),
    };
  }

  acknowledge(accepted: boolean): Acknowledgement {
    return acknowledgementFor('alipay', accepted ? 'accepted' : 'rejected');
  }

  async fetchBill(input: { date: string }): Promise<AsyncIterable<Uint8Array>> {
    const data = await this.#curl(
      'GET',
      '/v3/alipay/data/dataservice/bill/downloadurl/query',
      'the bill request',
      {
        query: { bill_type: 'trade', bill_date: input.date },
      },
    );
    const url = data.bill_download_url;
    if (typeof url !== 'string')
      throw new PaymuxError('provider_error', 'Alipay returned no bill_download_url.');
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), redirect: 'error' });
    } catch (error) {
      throw new PaymuxError('provider_unavailable', 'The Alipay bill could not be downloaded.', {
        cause: error,
      });
    }
    if (!response.ok || !response.body)
      throw errorFrom(`HTTP_${response.status}`, undefined, 'the bill download', response.status);
    const stream = response.body;
    return (async function* () {
      for await (const chunk of stream) yield chunk;
    })();
  }

  async verifyCredentials(now: Date): Promise<CredentialHealth> {
    // A v2 query for an order that cannot exist: Alipay answers a signed business error,
    // which proves our key (it accepted the request) and Alipay's (we verified its answer).
    try {
      const result = await this.#sdk.exec(
        'alipay.trade.query',
        {
          timestamp: toAlipayTime(now),
          bizContent: { out_trade_no: `paymux-health-${randomUUID().slice(0, 8)}` },
        },
        { validateSign: true },
      );
      if (result.code === '10000' || result.sub_code === 'ACQ.TRADE_NOT_EXIST') return { health: 'ok' };
      if (String(result.sub_code ?? '').startsWith('isv.')) {
        return {
          health: 'invalid_credentials',
          detail: `Alipay refused the signed request (${String(result.sub_code)}).`,
        };
      }
      return {
        health: 'unreachable',
        detail: `Alipay answered ${String(result.code)} ${String(result.sub_code ?? '')}.`,
      };
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const message = error instanceof Error ? error.message : '';
      if (/sign|验签/i.test(`${code} ${message}`)) {
        return {
          health: 'invalid_credentials',
          detail: 'The Alipay answer did not verify with the configured Alipay public key.',
        };
      }
      return { health: 'unreachable', detail: 'Alipay could not be reached.' };
    }
  }

  async #curl(
    method: 'GET' | 'POST',
    path: string,
    operation: string,
    options: { body?: Record<string, unknown>; query?: Record<string, string> },
  ): Promise<Record<string, unknown>> {
    try {
      const result = await this.#sdk.curl<Record<string, unknown>>(method, path, {
        ...options,
        requestTimeout: this.#timeoutMs,
      });
      return result.data ?? {};
    } catch (error) {
      if (error instanceof AlipayRequestError) {
        // No HTTP status: the SDK wrapped a connection failure or timeout. The outcome is
        // unknown, never a refusal.
        if (error.responseHttpStatus === undefined) {
          throw new PaymuxError('provider_unavailable', `Alipay did not answer ${operation}.`, {
            cause: error,
          });
        }
        if (error.code === 'response-signature-verify-error') {
          throw new PaymuxError('provider_error', 'Alipay response failed signature verification.');
        }
        throw errorFrom(error.code, error.message, operation, error.responseHttpStatus);
      }
      throw new PaymuxError('provider_unavailable', `Alipay did not answer ${operation}.`, { cause: error });
    }
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof PaymuxError && error.providerCode === code;
}
