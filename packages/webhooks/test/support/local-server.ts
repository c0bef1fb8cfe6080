import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface LocalServer {
  readonly port: number;
  /** Every request that reached the server, in arrival order: the proof that a refused send never connected. */
  readonly requests: ReceivedRequest[];
  /** TCP connections accepted, counted before any HTTP parsing. */
  readonly connections: () => number;
  url(path?: string): string;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with an ephemeral port; `respond` runs once the body has arrived. */
export async function startLocalServer(
  respond: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void = (_req, res) => res.end(),
): Promise<LocalServer> {
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    respond(req, res, body);
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    connections: () => connections,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A port that was just free on 127.0.0.1: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = await startLocalServer();
  await server.close();
  return server.port;
}
