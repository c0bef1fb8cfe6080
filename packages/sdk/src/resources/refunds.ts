import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type { List, Refund, RefundCreateParams, RefundListParams } from '../types.ts';
import { paginate } from './paginate.ts';

/** `/v1/refunds`. */
export class Refunds {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Refunds all or part of a succeeded payment; the result arrives as `refund.succeeded` / `refund.failed`. */
  create(params: RefundCreateParams, options?: RequestOptions): Promise<Refund> {
    return this.#http.json({ method: 'POST', path: '/v1/refunds', body: params }, options);
  }

  retrieve(id: string, options?: RequestOptions): Promise<Refund> {
    return this.#http.json({ method: 'GET', path: path`/v1/refunds/${id}` }, options);
  }

  list(params: RefundListParams = {}, options?: RequestOptions): Promise<List<Refund>> {
    return this.#http.json({ method: 'GET', path: '/v1/refunds', query: params }, options);
  }

  listAll(params: RefundListParams = {}, options?: RequestOptions): AsyncGenerator<Refund> {
    return paginate((p) => this.list(p, options), params);
  }
}
