import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type { List, Payment, PaymentCreateParams, PaymentListParams } from '../types.ts';
import { paginate } from './paginate.ts';

/** `/v1/payments`. */
export class Payments {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Creates a payment at the provider of `channel`; show the payer its `next_action`.
   *
   * @example
   * const payment = await paymux.payments.create({
   *   amount: 100, currency: 'CNY', channel: 'alipay.qr', description: 'Tea', merchant_order_id: 'order-1',
   * });
   * if (payment.next_action?.type === 'qr_code') renderQr(payment.next_action.qr_code);
   */
  create(params: PaymentCreateParams, options?: RequestOptions): Promise<Payment> {
    return this.#http.json({ method: 'POST', path: '/v1/payments', body: params }, options);
  }

  retrieve(id: string, options?: RequestOptions): Promise<Payment> {
    return this.#http.json({ method: 'GET', path: path`/v1/payments/${id}` }, options);
  }

  list(params: PaymentListParams = {}, options?: RequestOptions): Promise<List<Payment>> {
    return this.#http.json({ method: 'GET', path: '/v1/payments', query: params }, options);
  }

  /** Every matching payment, page after page: `for await (const p of paymux.payments.listAll({ status: 'succeeded' }))`. */
  listAll(params: PaymentListParams = {}, options?: RequestOptions): AsyncGenerator<Payment> {
    return paginate((p) => this.list(p, options), params);
  }

  /** Closes an unpaid payment at the provider and here. */
  close(id: string, options?: RequestOptions): Promise<Payment> {
    return this.#http.json({ method: 'POST', path: path`/v1/payments/${id}/close` }, options);
  }
}
