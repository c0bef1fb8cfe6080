import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type { Delivery, DeliveryListParams, List } from '../types.ts';
import { paginate } from './paginate.ts';

/** `/v1/deliveries`: each event's delivery to each endpoint, with its attempts. */
export class Deliveries {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  list(params: DeliveryListParams = {}, options?: RequestOptions): Promise<List<Delivery>> {
    return this.#http.json({ method: 'GET', path: '/v1/deliveries', query: params }, options);
  }

  listAll(params: DeliveryListParams = {}, options?: RequestOptions): AsyncGenerator<Delivery> {
    return paginate((p) => this.list(p, options), params);
  }

  /** Delivers again now, also after the automatic attempts are exhausted. */
  retry(id: string, options?: RequestOptions): Promise<Delivery> {
    return this.#http.json({ method: 'POST', path: path`/v1/deliveries/${id}/retry` }, options);
  }
}
