import { randomUUID } from 'node:crypto';
import type { TokenMinter } from '../auth/token-minter.ts';
import { PaymuxConnectionError, PaymuxError } from '../errors.ts';
import type { Problem } from '../types.ts';
import { backoffDelay, retryDelay, sleep } from './backoff.ts';

/** The part of `fetch` the SDK uses; pass a wrapper to observe or proxy requests. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Per-call options, the last argument of every method. */
export interface RequestOptions {
  /**
   * `Idempotency-Key` for a POST. One is generated (a random UUID) when omitted; either way the
   * same key is sent on every retry of the call. Pass your own to make a retry of *your* operation
   * (e.g. after a crash) safe too.
   */
  readonly idempotencyKey?: string;
  /** Overrides the client's `timeoutMs` (per attempt). */
  readonly timeoutMs?: number;
  /** Overrides the client's `maxRetries`. */
  readonly maxRetries?: number;
  /** Aborts the call, including any wait between retries. */
  readonly signal?: AbortSignal;
}

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** Undefined and null values are left out; Dates become ISO strings; arrays repeat the name. */
  readonly query?: object | undefined;
  readonly body?: unknown;
  readonly accept?: 'application/json' | 'text/csv';
}

export interface HttpClientOptions {
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly tokens: TokenMinter;
  readonly userAgent: string;
}

/**
 * Builds a path from a template, encoding each interpolated id as one segment. An empty id is
 * refused: `/v1/payments/${''}` would otherwise silently become the list endpoint.
 */
export function path(strings: TemplateStringsArray, ...ids: string[]): string {
  let out = strings[0] ?? '';
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0) throw new TypeError('Paymux: an id is required');
    out += encodeURIComponent(id) + (strings[i + 1] ?? '');
  });
  return out;
}

/** Retried with the same Idempotency-Key: the API guarantees these are safe to repeat. */
export function isRetryableStatus(status: number, code: string): boolean {
  return status === 429 || status >= 500 || (status === 409 && code === 'idempotency_key_in_use');
}

interface Attempt {
  readonly response: Response;
  readonly text: string;
}

/** Signs, sends, times out and retries requests to the Paymux API. */
export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #baseUrl: string;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** Sends the request and parses the JSON answer. */
  async json<T>(request: ApiRequest, options: RequestOptions = {}): Promise<T> {
    const { response, text } = await this.#send(request, options);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new PaymuxError(
        `invalid_response: the API answered ${response.status} with a body that is not JSON`,
        {
          status: response.status,
          code: 'invalid_response',
          retryable: false,
          requestId: response.headers.get('request-id') ?? undefined,
          headers: response.headers,
          cause: error,
        },
      );
    }
  }

  /** Sends the request and returns the body as text (CSV downloads). */
  async text(request: ApiRequest, options: RequestOptions = {}): Promise<string> {
    return (await this.#send(request, options)).text;
  }

  async #send(request: ApiRequest, options: RequestOptions): Promise<Attempt> {
    const url = this.#url(request.path, request.query);
    const maxRetries = options.maxRetries ?? this.#options.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    // One key for the whole call, retries included: that is what makes retrying a POST safe.
    const idempotencyKey = options.idempotencyKey ?? (request.method === 'POST' ? randomUUID() : undefined);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);

    for (let retry = 0; ; retry++) {
      const headers: Record<string, string> = {
        accept: request.accept ?? 'application/json',
        authorization: `Bearer ${await this.#options.tokens.token()}`,
        'user-agent': this.#options.userAgent,
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;

      let attempt: Attempt;
      try {
        attempt = await this.#attempt(
          url,
          { method: request.method, headers, body },
          timeoutMs,
          options.signal,
        );
      } catch (error) {
        // The caller's own abort is final; anything else is a transport failure worth retrying.
        if (options.signal?.aborted) throw error;
        const failure = connectionError(error, this.#baseUrl);
        if (retry >= maxRetries) throw failure;
        await sleep(backoffDelay(retry), options.signal);
        continue;
      }

      const { response, text } = attempt;
      if (response.ok) return attempt;
      if (response.status === 401) this.#options.tokens.invalidate();
      const error = apiError(response, text);
      if (error.retryable && retry < maxRetries) {
        const delay = retryDelay(retry, response.headers.get('retry-after'));
        if (delay !== undefined) {
          await sleep(delay, options.signal);
          continue;
        }
      }
      throw error;
    }
  }

  async #attempt(
    url: string,
    init: { method: string; headers: Record<string, string>; body: string | undefined },
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.#options.fetch(url, { ...init, signal: controller.signal });
      // Read the body under the same timeout: a connection cut mid-body is a transport failure too.
      const text = await response.text();
      return { response, text };
    } catch (error) {
      if (timedOut) {
        throw new PaymuxConnectionError(`timeout: no complete response within ${timeoutMs} ms`, {
          code: 'timeout',
          cause: error,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #url(pathname: string, query: object | undefined): string {
    const url = new URL(this.#baseUrl + pathname);
    for (const [name, value] of Object.entries(query ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item === undefined || item === null) continue;
        url.searchParams.append(name, item instanceof Date ? item.toISOString() : String(item));
      }
    }
    return url.toString();
  }
}

function connectionError(error: unknown, baseUrl: string): PaymuxConnectionError {
  if (error instanceof PaymuxConnectionError) return error;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const reason =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : error instanceof Error
          ? error.message
          : String(error);
  return new PaymuxConnectionError(`connection_error: could not reach ${baseUrl} (${reason})`, {
    code: 'connection_error',
    cause: error,
  });
}

function apiError(response: Response, text: string): PaymuxError {
  let problem: Problem | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) problem = parsed as Problem;
  } catch {
    // Not problem+json (a proxy's HTML page, say): keep the status, show the start of the text.
  }
  const status = response.status;
  const code = typeof problem?.code === 'string' ? problem.code : `http_${status}`;
  const requestId =
    (typeof problem?.request_id === 'string' ? problem.request_id : undefined) ??
    response.headers.get('request-id') ??
    undefined;
  const detail = problem?.detail ?? problem?.title ?? (text.slice(0, 200) || response.statusText);
  return new PaymuxError(`${code}: ${detail}${requestId ? ` (request ${requestId})` : ''}`, {
    status,
    code,
    retryable: isRetryableStatus(status, code),
    requestId,
    problem,
    headers: response.headers,
  });
}
