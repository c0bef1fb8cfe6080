import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type {
  Deleted,
  List,
  WebhookEndpoint,
  WebhookEndpointCreateParams,
  WebhookEndpointListParams,
  WebhookEndpointUpdateParams,
  WebhookEndpointWithSecret,
  WebhookReplay,
  WebhookReplayParams,
  WebhookTest,
} from '../types.ts';
import { paginate } from './paginate.ts';

/** `/v1/webhook_endpoints`: where Paymux sends signed events. */
export class WebhookEndpoints {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** The response carries the signing `secret` (`whsec_…`) once: store it. */
  create(params: WebhookEndpointCreateParams, options?: RequestOptions): Promise<WebhookEndpointWithSecret> {
    return this.#http.json({ method: 'POST', path: '/v1/webhook_endpoints', body: params }, options);
  }

  list(params: WebhookEndpointListParams = {}, options?: RequestOptions): Promise<List<WebhookEndpoint>> {
    return this.#http.json({ method: 'GET', path: '/v1/webhook_endpoints', query: params }, options);
  }

  listAll(params: WebhookEndpointListParams = {}, options?: RequestOptions): AsyncGenerator<WebhookEndpoint> {
    return paginate((p) => this.list(p, options), params);
  }

  retrieve(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.#http.json({ method: 'GET', path: path`/v1/webhook_endpoints/${id}` }, options);
  }

  /**
   * Changes the URL, event types, description or status. `status: 'disabled'` pauses the
   * endpoint's pending deliveries and queues none for new events; `'enabled'` resumes them (use
   * `replay` for the events in between).
   */
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

  /** Deletes the endpoint with its deliveries and their attempt log; the events stay. */
  delete(id: string, options?: RequestOptions): Promise<Deleted<'webhook_endpoint'>> {
    return this.#http.json({ method: 'DELETE', path: path`/v1/webhook_endpoints/${id}` }, options);
  }

  /**
   * Issues a new secret (in the response's `secret`, once). For 24 hours deliveries are signed
   * with the old and the new one, so pass both to `verifyWebhook` until you have switched.
   */
  rotateSecret(id: string, options?: RequestOptions): Promise<WebhookEndpointWithSecret> {
    return this.#http.json(
      { method: 'POST', path: path`/v1/webhook_endpoints/${id}/rotate_secret` },
      options,
    );
  }

  /**
   * Sends a signed `webhook_endpoint.test` webhook to the endpoint now and reports whether it
   * answered 2xx, its status and the latency (never its response body). Nothing is stored.
   */
  test(id: string, options?: RequestOptions): Promise<WebhookTest> {
    return this.#http.json({ method: 'POST', path: path`/v1/webhook_endpoints/${id}/test` }, options);
  }

  /**
   * Sends again every event created in [`since`, `until`) that the endpoint subscribes to, each
   * on a fresh retry schedule: also events from before the endpoint existed or while it was
   * disabled, and events already delivered (their `webhook-id` is unchanged, so your
   * deduplication sees the repeats). At most 10 000 events per call; the endpoint must be enabled.
   *
   * @example
   * await paymux.webhookEndpoints.replay('whe_…', { since: new Date(Date.now() - 86_400_000) });
   */
  replay(id: string, params: WebhookReplayParams, options?: RequestOptions): Promise<WebhookReplay> {
    // JSON.stringify writes Dates as ISO 8601 strings, which the API takes.
    return this.#http.json(
      { method: 'POST', path: path`/v1/webhook_endpoints/${id}/replay`, body: params },
      options,
    );
  }
}
