import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fault server does with the next request. */
export type Step =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: unknown;
    }
  /** Forward to the upstream (the real API) and relay its answer. */
  | { readonly kind: 'proxy' }
  /** Drop the connection without answering. */
  | { readonly kind: 'reset' }
  /** Never answer (the client's timeout fires). */
  | { readonly kind: 'hang' };

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly at: number;
}

export interface FaultServer {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Steps consumed in order; once used up, every request is proxied. */
  script(...steps: Step[]): void;
  close(): Promise<void>;
}

export const problem = (status: number, code: string, extra: Record<string, string> = {}): Step => ({
  kind: 'answer',
  status,
  headers: { 'content-type': 'application/problem+json', 'request-id': `req_fault_${code}`, ...extra },
  body: {
    type: `https://docs.paymux.dev/errors/${code}`,
    title: code,
    status,
    detail: `Injected ${code}.`,
    code,
    request_id: `req_fault_${code}`,
  },
});

/** A loopback HTTP server in front of `upstream` that injects the scripted faults. */
export async function startFaultServer(upstream: string): Promise<FaultServer> {
  const seen: SeenRequest[] = [];
  let steps: Step[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() });
    const step = steps.shift() ?? { kind: 'proxy' };
    switch (step.kind) {
      case 'answer':
        res.writeHead(step.status, step.headers ?? {});
        res.end(step.body === undefined ? undefined : JSON.stringify(step.body));
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'proxy': {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers[name] = value;
        }
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const upstreamResponse = await fetch(upstream + (req.url ?? '/'), {
          method: req.method ?? 'GET',
          headers,
          ...(body ? { body } : {}),
        });
        const relayed: Record<string, string> = {};
        upstreamResponse.headers.forEach((value, name) => {
          if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) {
            relayed[name] = value;
          }
        });
        res.writeHead(upstreamResponse.status, relayed);
        res.end(Buffer.from(await upstreamResponse.arrayBuffer()));
        return;
      }
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    script: (...next) => {
      steps = next;
      seen.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
