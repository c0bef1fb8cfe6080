import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook as the receiver got it: the headers Node parsed and the exact body bytes. */
export interface ReceivedWebhook {
  /** Path and query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A real HTTP server on 127.0.0.1 playing the tenant's webhook endpoint. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/webhooks/paymux`. */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /**
   * What it answers from now on (204 with no body at first): to every request, or only to
   * requests for `path` (path and query, e.g. `/webhooks/paymux?b`) when given.
   */
  respondWith(status: number, body?: string, path?: string): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let answer = { status: 204, body: '' };
  const answers = new Map<string, typeof answer>();
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const { status, body } = answers.get(req.url ?? '') ?? answer;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body === '' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/paymux`,
    received,
    respondWith: (status, body = '', path) => {
      if (path === undefined) {
        answer = { status, body };
        answers.clear();
      } else answers.set(path, { status, body });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
