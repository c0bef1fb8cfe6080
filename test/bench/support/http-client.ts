// The load generator's HTTP client: node:http over kept-alive connections. A provider's
// sender is not Paymux's cost, so the client sharing the process should be as cheap as a
// plain HTTP/1.1 client gets (Node's `fetch` costs about three times as much CPU per
// request through WHATWG streams, which the measured side then pays for).
import http from 'node:http';

export interface PostResult {
  readonly status: number;
  readonly text: string;
}

export interface HttpPoster {
  post(path: string, headers: Readonly<Record<string, string>>, body: string): Promise<PostResult>;
  close(): void;
}

/** POSTs to `origin` (http://host:port) over at most `maxSockets` kept-alive connections. */
export function httpPoster(origin: string, maxSockets = 256): HttpPoster {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const post = (
    path: string,
    headers: Readonly<Record<string, string>>,
    body: string,
    retried = false,
  ): Promise<PostResult> =>
    new Promise<PostResult>((resolve, reject) => {
      const payload = Buffer.from(body, 'utf8');
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path,
          headers: { ...headers, 'content-length': String(payload.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed just as it was reused (its keep-alive
        // timeout): the request never reached it; send it once more on a fresh connection,
        // as Node's documentation advises (and as a provider would retry).
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET') {
          post(path, headers, body, true).then(resolve, reject);
          return;
        }
        reject(error);
      });
      req.end(payload);
    });
  return { post: (path, headers, body) => post(path, headers, body), close: () => agent.destroy() };
}
