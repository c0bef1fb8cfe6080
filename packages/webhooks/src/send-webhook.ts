import type { ClientRequest, Agent as HttpAgent, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import { ADDRESS_REFUSED, guardedLookup } from './guarded-lookup.ts';
import { parseRetryAfter } from './retry-policy.ts';
import type { WebhookHeaders } from './sign.ts';
import { type BaseLookup, checkWebhookUrl, systemLookup, type UrlPolicy } from './url-policy.ts';

export type SendErrorClass =
  | 'timeout'
  | 'dns'
  | 'address_refused'
  | 'connection'
  | 'tls'
  | 'redirect'
  | 'http_status'
  | 'invalid_url';

/** What one delivery attempt did, ready to be stored as an attempt row. */
export interface SendResult {
  /** The endpoint answered 2xx. */
  readonly ok: boolean;
  /** null when no response arrived. */
  readonly statusCode: number | null;
  /** Whole milliseconds until the response head arrived, or until the failure. */
  readonly latencyMs: number;
  readonly errorClass: SendErrorClass | null;
  /** Short and safe to show the tenant: no secrets, no headers, no resolved addresses. */
  readonly errorMessage: string | null;
  /** The first 4096 bytes of the response body, decoded as UTF-8 leniently; '' when none. */
  readonly responseBody: string;
  /** From Retry-After, on a 429 or 503 only. */
  readonly retryAfterMs: number | undefined;
  /** 410 Gone: the consumer asks us to stop (the caller disables the endpoint). */
  readonly gone: boolean;
}

/**
 * Keep-alive agents a long-running sender passes to reuse connections. Every new connection
 * still resolves through the guarded lookup (the request's `lookup` reaches the agent's
 * `createConnection`), and a kept connection is to an address that was checked when it was
 * opened; so an agent must only serve requests under one address policy and one resolver.
 */
export interface WebhookAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}

export const DEFAULT_SEND_TIMEOUT_MS = 15_000;
export const RESPONSE_BODY_LIMIT = 4096;
export const USER_AGENT = 'Paymux-Webhooks/1';

const DNS_FAILED = 'ERR_WEBHOOK_DNS';
const TLS_CODE = /^ERR_(?:TLS|SSL)_|CERT|SIGNATURE|^EPROTO$|^HOSTNAME_MISMATCH$/;

/**
 * POSTs one signed webhook with node:http(s) and reports what happened; never throws.
 *
 * Guards, in order: the URL is checked with checkWebhookUrl (an IP-literal host is judged here,
 * since Node does not call `lookup` for literals); every connection resolves its host through
 * guardedLookup, so an address is checked at connect time; redirects are never followed (3xx is
 * a failure); one timer (default 15 s) covers the whole exchange and destroys the socket; at most
 * 4 KB of the response is read before the socket is destroyed. Without `agents`, a fresh
 * connection per call; with them, a connection whose response was read whole goes back to the
 * agent's pool, and a request that fails on a reused connection before any response (the
 * endpoint closed it while idle) is sent once more on a new one.
 *
 * @example
 * const body = webhookBody(event);
 * const headers = signWebhook({ id: event.id, timestamp: new Date(), body, secrets });
 * const result = await sendWebhook({ url: endpoint.url, headers, body, policy });
 * if (!result.ok) schedule(nextAttemptDelayMs({ attemptsMade, retryAfterMs: result.retryAfterMs }));
 */
export async function sendWebhook(request: {
  readonly url: string;
  readonly headers: WebhookHeaders;
  readonly body: Buffer;
  readonly policy: UrlPolicy;
  readonly timeoutMs?: number;
  readonly lookup?: BaseLookup;
  readonly signal?: AbortSignal;
  readonly agents?: WebhookAgents;
}): Promise<SendResult> {
  const first = await attempt(request);
  // The endpoint (or a NAT on the way) dropped the kept connection, probably every idle one
  // to this origin at once: the one retry goes out on a connection of its own.
  if (first.staleSocket && !request.signal?.aborted) {
    const { agents: _pooled, ...fresh } = request;
    return (await attempt(fresh)).result;
  }
  return first.result;
}

async function attempt(
  request: Parameters<typeof sendWebhook>[0],
): Promise<{ result: SendResult; staleSocket: boolean }> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const checked = checkWebhookUrl(request.url, request.policy);
  if (!checked.ok) {
    const errorClass = checked.code === 'address_not_allowed' ? 'address_refused' : 'invalid_url';
    return { result: failure(errorClass, checked.message, elapsed()), staleSocket: false };
  }
  if (request.signal?.aborted)
    return { result: failure('connection', 'aborted by the caller', elapsed()), staleSocket: false };
  const timeoutMs = request.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const lookup = guardedLookup(request.policy, tagFailures(request.lookup ?? systemLookup));
  const https = checked.url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  const agent = request.agents ? (https ? request.agents.https : request.agents.http) : false;

  return new Promise<{ result: SendResult; staleSocket: boolean }>((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    // Once the head has arrived the status decides the outcome; later trouble only cuts the body short.
    let received: (() => SendResult) | undefined;

    // A connection is kept (for an agent's pool) only when its response was read to the end.
    const settle = (outcome: () => SendResult, keepSocket = false, staleSocket = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (!keepSocket || agent === false) req?.destroy();
      resolve({ result: outcome(), staleSocket });
    };
    const fail = (fallback: () => SendResult) => settle(received ?? fallback);
    const onError = (error: unknown) => {
      const stale = received === undefined && req?.reusedSocket === true;
      settle(received ?? (() => classify(error, elapsed())), false, stale);
    };
    const timer = setTimeout(
      () => fail(() => failure('timeout', `no response within ${timeoutMs} ms`, elapsed())),
      timeoutMs,
    );
    const onAbort = () => fail(() => failure('connection', 'aborted by the caller', elapsed()));
    request.signal?.addEventListener('abort', onAbort, { once: true });

    try {
      req = send(checked.url, {
        method: 'POST',
        agent,
        lookup,
        headers: {
          'content-type': 'application/json',
          'content-length': String(request.body.length),
          'user-agent': USER_AGENT,
          'webhook-id': request.headers['webhook-id'],
          'webhook-timestamp': request.headers['webhook-timestamp'],
          'webhook-signature': request.headers['webhook-signature'],
        },
      });
    } catch (error) {
      onError(error);
      return;
    }
    req.on('error', onError);
    req.on('response', (res: IncomingMessage) => {
      const latencyMs = elapsed();
      const chunks: Buffer[] = [];
      let size = 0;
      const result = () =>
        responseResult(res, latencyMs, Buffer.concat(chunks, size).subarray(0, RESPONSE_BODY_LIMIT));
      received = result;
      const done = () => settle(result);
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // Enough for the attempt log; destroying the socket stops a huge body from being buffered.
        if (size >= RESPONSE_BODY_LIMIT) done();
      });
      res.on('end', () => settle(result, true));
      res.on('close', done);
      res.on('error', done);
    });
    req.end(request.body);
  });
}

function responseResult(res: IncomingMessage, latencyMs: number, body: Buffer): SendResult {
  const statusCode = res.statusCode ?? 0;
  const throttled = statusCode === 429 || statusCode === 503;
  const common = {
    statusCode,
    latencyMs,
    responseBody: body.toString('utf8'),
    retryAfterMs: throttled ? parseRetryAfter(res.headers['retry-after'], new Date()) : undefined,
    gone: statusCode === 410,
  };
  if (statusCode >= 200 && statusCode < 300)
    return { ...common, ok: true, errorClass: null, errorMessage: null };
  if (statusCode >= 300 && statusCode < 400) {
    return {
      ...common,
      ok: false,
      errorClass: 'redirect',
      errorMessage: `redirects are not followed (HTTP ${statusCode})`,
    };
  }
  return { ...common, ok: false, errorClass: 'http_status', errorMessage: `HTTP ${statusCode}` };
}

function failure(errorClass: SendErrorClass, errorMessage: string, latencyMs: number): SendResult {
  return {
    ok: false,
    statusCode: null,
    latencyMs,
    errorClass,
    errorMessage,
    responseBody: '',
    retryAfterMs: undefined,
    gone: false,
  };
}

/**
 * Maps a socket-level error to a class and a message built from its code only: Node's own
 * messages name the resolved address and port, which the tenant should not learn.
 */
function classify(error: unknown, latencyMs: number): SendResult {
  const code = errorCode(error);
  if (code === ADDRESS_REFUSED) return failure('address_refused', messageOf(error), latencyMs);
  if (code === DNS_FAILED || code === 'ENOTFOUND') return failure('dns', messageOf(error), latencyMs);
  if (code !== undefined && TLS_CODE.test(code)) return failure('tls', `TLS failed (${code})`, latencyMs);
  return failure('connection', `connection failed (${code ?? 'unknown'})`, latencyMs);
}

/** Marks resolver failures so they are told apart from TCP errors that share codes (ECONNREFUSED). */
function tagFailures(base: BaseLookup): BaseLookup {
  return async (hostname) => {
    try {
      return await base(hostname);
    } catch (cause) {
      const detail = errorCode(cause) ?? 'failed';
      throw Object.assign(new Error(`the host name could not be resolved (${detail})`), {
        code: DNS_FAILED,
        cause,
      });
    }
  };
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
