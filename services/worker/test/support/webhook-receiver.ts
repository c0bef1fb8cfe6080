// A tenant's webhook endpoint for tests: a real HTTP server on 127.0.0.1 that records
// every request (headers and raw body bytes) and answers as the test tells it to.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly receivedAt: number;
}

export type Answer = (request: ReceivedWebhook, response: ServerResponse) => void | Promise<void>;

export interface WebhookReceiver {
  readonly url: (path?: string) => string;
  readonly received: ReceivedWebhook[];
  /** Requests being handled right now, and the most at once so far. */
  readonly inFlight: () => number;
  readonly maxInFlight: () => number;
  answer(fn: Answer): void;
  /** Resolves once `n` requests have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const status =
  (code: number, headers: Record<string, string> = {}, body = ''): Answer =>
  (_request, response) => {
    response.writeHead(code, headers).end(body);
  };

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let answer: Answer = status(204);
  let inFlight = 0;
  let maxInFlight = 0;
  const waiters: Array<() => void> = [];
  const server = createServer((request, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.once('close', () => {
      inFlight -= 1;
    });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: ReceivedWebhook = {
        path: request.url ?? '/',
        headers: request.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      received.push(entry);
      for (const wake of waiters.splice(0)) wake();
      void Promise.resolve(answer(entry, response)).catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: (path = '/hooks') => `http://127.0.0.1:${address.port}${path}`,
    received,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    answer(fn) {
      answer = fn;
    },
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} webhooks, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
