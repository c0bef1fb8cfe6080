import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type { Event, EventListParams, List } from '../types.ts';
import { paginate } from './paginate.ts';

/** `/v1/events`: what happened, newest first; use it to catch up on missed webhooks. */
export class Events {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  list(params: EventListParams = {}, options?: RequestOptions): Promise<List<Event>> {
    return this.#http.json({ method: 'GET', path: '/v1/events', query: params }, options);
  }

  listAll(params: EventListParams = {}, options?: RequestOptions): AsyncGenerator<Event> {
    return paginate((p) => this.list(p, options), params);
  }

  retrieve(id: string, options?: RequestOptions): Promise<Event> {
    return this.#http.json({ method: 'GET', path: path`/v1/events/${id}` }, options);
  }
}
