// The tenant's webhook endpoint in its own process, as a tenant's server is: it verifies
// every webhook's signature and notes when each payment's webhook arrived. Driven over IPC
// by `startTenantEndpoint` (tenant-endpoint.ts). Run in the API's process instead, its
// answers would wait on the API's event loop, so the endpoint would look slow exactly when
// the API is busy, and the per-endpoint concurrency cap would then throttle deliveries.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { verifyWebhook } from '@paymux/sdk/source';
import type { EndpointReply, EndpointRequest } from './tenant-endpoint.ts';

const arrivals = new Map<string, number[]>();
let rejected = 0;
let secret = '';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (c: Buffer) => chunks.push(c));
  request.on('end', () => {
    // Absolute time: the sender (another process) stamps its sends on the same clock.
    const at = performance.timeOrigin + performance.now();
    try {
      const event = verifyWebhook<{ object: { id: string } }>(Buffer.concat(chunks), request.headers, secret);
      const id = event.data.object.id;
      const list = arrivals.get(id) ?? [];
      list.push(at);
      arrivals.set(id, list);
      response.writeHead(204).end();
    } catch {
      rejected += 1;
      response.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 60_000;

const send = (reply: EndpointReply) => process.send?.(reply);

process.on('message', (message: EndpointRequest) => {
  switch (message.kind) {
    case 'secret':
      secret = message.secret;
      send({ kind: 'ok' });
      return;
    case 'wait': {
      const deadline = performance.now() + message.timeoutMs;
      const check = () => {
        if (performance.now() >= deadline || message.ids.every((id) => arrivals.has(id)))
          send({ kind: 'ok' });
        else setTimeout(check, 20);
      };
      check();
      return;
    }
    case 'dump':
      send({ kind: 'dump', arrivals: [...arrivals], rejected });
  }
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

server.listen(0, '127.0.0.1', () => {
  send({ kind: 'ready', port: (server.address() as AddressInfo).port });
});
