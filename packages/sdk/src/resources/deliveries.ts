import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type { Delivery, DeliveryListParams, DeliveryWithAttempts, List } from '../types.ts';
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

  /** The delivery with its `attempt_log`: the latest 50 attempts, newest first. */
  retrieve(id: string, options?: RequestOptions): Promise<DeliveryWithAttempts> {
    return this.#http.json({ method: 'GET', path: path`/v1/deliveries/${id}` }, options);
  }

  /**
   * Attempts the delivery again now. A pending one is brought forward (its schedule goes on if
   * this attempt fails); a failed or succeeded one gets exactly one more attempt, not retried if
   * it fails. 409 `conflict` while the endpoint is disabled or an attempt is in flight.
   */
  retry(id: string, options?: RequestOptions): Promise<Delivery> {
    return this.#http.json({ method: 'POST', path: path`/v1/deliveries/${id}/retry` }, options);
  }
}
