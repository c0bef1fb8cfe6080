import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy between an adapter and the sandbox that can alter response bodies in
 * flight (headers, signatures included, are passed through untouched): a man in the middle.
 */
export interface TamperingProxy {
  readonly origin: string;
  /** When set, every response body goes through it. */
  tamper: ((body: string, path: string) => string) | undefined;
  close(): Promise<void>;
}

export async function startTamperingProxy(targetOrigin: string): Promise<TamperingProxy> {
  const target = new URL(targetOrigin);
  const proxy: TamperingProxy = { origin: '', tamper: undefined, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = request(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, 'accept-encoding': 'identity' },
        },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            let payload = Buffer.concat(body);
            if (proxy.tamper)
              payload = Buffer.from(proxy.tamper(payload.toString('utf8'), req.url ?? ''), 'utf8');
            const headers = { ...up.headers, 'content-length': String(payload.length) };
            delete headers['transfer-encoding'];
            res.writeHead(up.statusCode ?? 502, headers);
            res.end(payload);
          });
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (proxy as { origin: string }).origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return proxy;
}
