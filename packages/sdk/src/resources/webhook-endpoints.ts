import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type {
  Deleted,
  Delivery,
  List,
  ListParams,
  WebhookEndpoint,
  WebhookEndpointCreateParams,
  WebhookEndpointUpdateParams,
} from '../types.ts';
import { paginate } from './paginate.ts';

/** `/v1/webhook_endpoints`: where Paymux sends signed events. */
export class WebhookEndpoints {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** The response carries the signing `secret` (`whsec_…`) once: store it. */
  create(params: WebhookEndpointCreateParams, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.#http.json({ method: 'POST', path: '/v1/webhook_endpoints', body: params }, options);
  }

  list(params: ListParams = {}, options?: RequestOptions): Promise<List<WebhookEndpoint>> {
    return this.#http.json({ method: 'GET', path: '/v1/webhook_endpoints', query: params }, options);
  }

  listAll(params: ListParams = {}, options?: RequestOptions): AsyncGenerator<WebhookEndpoint> {
    return paginate((p) => this.list(p, options), params);
  }

  retrieve(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.#http.json({ method: 'GET', path: path`/v1/webhook_endpoints/${id}` }, options);
  }

  update(
    id: string,
    params: WebhookEndpointUpdateParams,
    options?: RequestOptions,
  ): Promise<WebhookEndpoint> {
    return this.#http.json(
      { method: 'PATCH', path: path`/v1/webhook_endpoints/${id}`, body: params },
      options,
    );
  }

  delete(id: string, options?: RequestOptions): Promise<Deleted<'webhook_endpoint'>> {
    return this.#http.json({ method: 'DELETE', path: path`/v1/webhook_endpoints/${id}` }, options);
  }

  /**
   * Issues a new secret (in the response's `secret`, once). While both are live, deliveries are
   * signed with both, so pass both to `verifyWebhook` until you have switched.
   */
  rotateSecret(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.#http.json(
      { method: 'POST', path: path`/v1/webhook_endpoints/${id}/rotate_secret` },
      options,
    );
  }

  /** Sends a test event to the endpoint; returns its delivery. */
  test(id: string, options?: RequestOptions): Promise<Delivery> {
    return this.#http.json({ method: 'POST', path: path`/v1/webhook_endpoints/${id}/test` }, options);
  }
}
