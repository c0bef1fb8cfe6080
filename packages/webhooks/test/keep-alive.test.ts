import { once } from 'node:events';
import { createServer, Agent as HttpAgent, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BaseLookup,
  generateWebhookSecret,
  sendWebhook,
  signWebhook,
  type UrlPolicy,
  type WebhookAgents,
} from '../src/index.ts';
import { familyOf } from './support/ssrf-matrix.ts';

const local: UrlPolicy = { requireHttps: false, allowLoopback: true };
const secret = generateWebhookSecret();
const body = Buffer.from(
  '{"id":"evt_1","type":"payment.succeeded","timestamp":"2026-11-26T08:30:00.000Z","data":{}}',
);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The pool options the worker's dispatcher uses. */
function keepAliveAgents(): WebhookAgents {
  const pool = { keepAlive: true, maxFreeSockets: 16, scheduling: 'lifo' as const };
  const agents = { http: new HttpAgent(pool), https: new HttpsAgent(pool) };
  cleanups.push(() => {
    agents.http.destroy();
    agents.https.destroy();
  });
  return agents;
}

function pooled(agent: HttpAgent): number {
  return Object.values(agent.freeSockets).reduce((n, sockets) => n + (sockets?.length ?? 0), 0);
}

/** Each send carries its own webhook-id, so the server can tell how often it received one. */
function send(
  url: string,
  id: string,
  extra: { agents?: WebhookAgents; timeoutMs?: number; lookup?: BaseLookup } = {},
) {
  const headers = signWebhook({ id, timestamp: new Date(), body, secrets: [secret] });
  return sendWebhook({ url, headers, body, policy: local, ...extra });
}

const resolvesTo =
  (...addresses: string[]): BaseLookup =>
  async () =>
    addresses.map((address) => ({ address, family: familyOf(address) }));

interface Received {
  readonly id: string;
  /** Index of the TCP connection it arrived on, in accept order. */
  readonly connection: number;
}

interface TrackedServer {
  readonly port: number;
  /** Webhooks whose body was read whole by the server, in arrival order. */
  readonly requests: Received[];
  readonly connections: () => number;
  readonly closedConnections: () => number;
  /** Closes the kept connections that are idle between requests, as an endpoint's idle timeout does. */
  readonly closeIdleConnections: () => void;
  url(host?: string): string;
}

/** A node:http server on 127.0.0.1 that knows which connection each request came on. */
async function startServer(respond: (res: ServerResponse, index: number) => void): Promise<TrackedServer> {
  const requests: Received[] = [];
  const sockets = new Map<Socket, number>();
  let closed = 0;
  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // drain the body
    }
    requests.push({ id: String(req.headers['webhook-id']), connection: sockets.get(req.socket) ?? -1 });
    respond(res, requests.length - 1);
  });
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, sockets.size);
    socket.on('close', () => {
      closed += 1;
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    connections: () => sockets.size,
    closedConnections: () => closed,
    closeIdleConnections: () => server.closeIdleConnections(),
    url: (host = '127.0.0.1') => `http://${host}:${port}/hook`,
  };
}

interface DroppingServer {
  readonly port: number;
  readonly requests: Received[];
  readonly connections: () => number;
  /** Requests that arrived on a forgotten connection and were answered with a reset, unread. */
  readonly resets: () => number;
  /**
   * Forgets every open connection without telling the client, as a peer that restarted or a NAT or
   * load balancer whose idle timer ran out: whatever later arrives on one is answered with a reset.
   */
  readonly forgetConnections: () => void;
}

/**
 * A minimal HTTP/1.1 keep-alive endpoint on raw TCP (node:http cannot be made to refuse data on a
 * connection it still holds). It answers every request 200 'ok' unless its connection was forgotten.
 */
async function startDroppingServer(): Promise<DroppingServer> {
  const requests: Received[] = [];
  const sockets: Socket[] = [];
  const forgotten = new Set<Socket>();
  let resets = 0;
  const server = createNetServer((socket) => {
    const connection = sockets.push(socket) - 1;
    let buffer = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (forgotten.has(socket)) {
        resets += 1;
        socket.resetAndDestroy();
        return;
      }
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const headEnd = buffer.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffer.subarray(0, headEnd).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < headEnd + 4 + length) return;
        buffer = buffer.subarray(headEnd + 4 + length);
        requests.push({ id: /\r\nwebhook-id: *([^\r]*)/i.exec(head)?.[1] ?? '', connection });
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    connections: () => sockets.length,
    resets: () => resets,
    forgetConnections: () => {
      for (const socket of sockets) forgotten.add(socket);
    },
  };
}

describe('sendWebhook with keep-alive agents', () => {
  it('reuses one connection for two sequential sends, and resolves the name once', async () => {
    const server = await startServer((res) => res.end('ok'));
    const agents = keepAliveAgents();
    let lookups = 0;
    const lookup: BaseLookup = async (hostname) => {
      lookups += 1;
      return resolvesTo('127.0.0.1')(hostname);
    };

    const url = server.url('hooks.shop.test');
    expect(await send(url, 'evt_a', { agents, lookup })).toMatchObject({ ok: true, responseBody: 'ok' });
    await vi.waitFor(() => expect(pooled(agents.http)).toBe(1));
    expect(await send(url, 'evt_b', { agents, lookup })).toMatchObject({ ok: true, responseBody: 'ok' });

    expect(server.connections()).toBe(1);
    expect(server.requests).toEqual([
      { id: 'evt_a', connection: 0 },
      { id: 'evt_b', connection: 0 },
    ]);
    expect(lookups).toBe(1);
    await vi.waitFor(() => expect(pooled(agents.http)).toBe(1));
  });

  it('control: without agents, each send opens its own connection and closes it', async () => {
    const server = await startServer((res) => res.end('ok'));
    expect(await send(server.url(), 'evt_a')).toMatchObject({ ok: true });
    expect(await send(server.url(), 'evt_b')).toMatchObject({ ok: true });
    expect(server.connections()).toBe(2);
    expect(server.requests.map((r) => r.connection)).toEqual([0, 1]);
    await vi.waitFor(() => expect(server.closedConnections()).toBe(2));
  });

  it.each([4097, 64 * 1024])(
    'does not keep a connection whose %i-byte body was cut at 4 KB; the next send opens a new one',
    async (size) => {
      const server = await startServer((res, index) => res.end(index === 0 ? 'x'.repeat(size) : 'small'));
      const agents = keepAliveAgents();

      const first = await send(server.url(), 'evt_big', { agents });
      expect(first).toMatchObject({ ok: true, statusCode: 200 });
      expect(first.responseBody).toBe('x'.repeat(4096));
      // The socket was destroyed, not pooled: the server sees it close and the pool stays empty.
      await vi.waitFor(() => expect(server.closedConnections()).toBe(1));
      expect(pooled(agents.http)).toBe(0);

      expect(await send(server.url(), 'evt_next', { agents })).toMatchObject({
        ok: true,
        responseBody: 'small',
      });
      expect(server.connections()).toBe(2);
      expect(server.requests).toEqual([
        { id: 'evt_big', connection: 0 },
        { id: 'evt_next', connection: 1 },
      ]);
    },
  );

  it('sends again on a fresh connection after the endpoint closed the idle kept one', async () => {
    const server = await startServer((res) => res.end('ok'));
    const agents = keepAliveAgents();
    let lookups = 0;
    const lookup: BaseLookup = async (hostname) => {
      lookups += 1;
      return resolvesTo('127.0.0.1')(hostname);
    };
    const url = server.url('hooks.shop.test');

    expect(await send(url, 'evt_a', { agents, lookup })).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(pooled(agents.http)).toBe(1));
    server.closeIdleConnections();
    await vi.waitFor(() => expect(server.closedConnections()).toBe(1));
    await vi.waitFor(() => expect(pooled(agents.http)).toBe(0));

    expect(await send(url, 'evt_b', { agents, lookup })).toMatchObject({ ok: true, responseBody: 'ok' });
    expect(server.requests).toEqual([
      { id: 'evt_a', connection: 0 },
      { id: 'evt_b', connection: 1 },
    ]);
    expect(lookups).toBe(2); // the new connection resolved the name again, through the guard
  });

  it('sends once more on a new connection when the kept one turns out to be dropped', async () => {
    const server = await startDroppingServer();
    const agents = keepAliveAgents();
    const url = `http://127.0.0.1:${server.port}/hook`;

    expect(await send(url, 'evt_a', { agents })).toMatchObject({ ok: true, responseBody: 'ok' });
    await vi.waitFor(() => expect(pooled(agents.http)).toBe(1));
    server.forgetConnections();

    const result = await send(url, 'evt_b', { agents });
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseBody: 'ok' });
    expect(server.resets()).toBe(1); // the first try went out on the kept connection
    expect(server.connections()).toBe(2);
    expect(server.requests).toEqual([
      { id: 'evt_a', connection: 0 },
      { id: 'evt_b', connection: 1 },
    ]);
  });

  // The retry goes back through the agent, which hands out the next pooled connection: when the peer
  // dropped all of them (a NAT or load balancer idle timeout does), the retry fails the same way.
  it('sends once more on a NEW connection even when the pool holds several dropped ones', async () => {
    const server = await startDroppingServer();
    const agents = keepAliveAgents();
    const url = `http://127.0.0.1:${server.port}/hook`;

    const firsts = await Promise.all([send(url, 'evt_a', { agents }), send(url, 'evt_b', { agents })]);
    expect(firsts).toMatchObject([{ ok: true }, { ok: true }]);
    expect(server.connections()).toBe(2);
    await vi.waitFor(() => expect(pooled(agents.http)).toBe(2));
    server.forgetConnections();

    const result = await send(url, 'evt_c', { agents });
    // Today: { ok: false, errorClass: 'connection', errorMessage: 'connection failed (ECONNRESET)' },
    // after both kept connections were tried (server.resets() === 2) and no new one was opened.
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseBody: 'ok' });
    expect(server.resets()).toBe(1);
    expect(server.requests.filter((r) => r.id === 'evt_c')).toEqual([{ id: 'evt_c', connection: 2 }]);
  });

  it.each([
    ['the 127.0.0.1 literal', (port: number) => `http://127.0.0.1:${port}/hook`],
    ['another name', (port: number) => `http://hooks.shop.test:${port}/hook`],
  ])(
    'refuses a name resolving to a private address after a send to %s on the same port',
    async (_, before) => {
      const server = await startServer((res) => res.end('ok'));
      const agents = keepAliveAgents();

      const allowed = await send(before(server.port), 'evt_ok', { agents, lookup: resolvesTo('127.0.0.1') });
      expect(allowed).toMatchObject({ ok: true });
      await vi.waitFor(() => expect(pooled(agents.http)).toBe(1));

      // A reachable 127.0.0.1 decoy is listed first, so a broken guard would reach our server, never 10.0.0.1.
      const refused = await send(`http://rebound.shop.test:${server.port}/hook`, 'evt_refused', {
        agents,
        lookup: resolvesTo('127.0.0.1', '10.0.0.1'),
      });
      expect(refused).toMatchObject({ ok: false, statusCode: null, errorClass: 'address_refused' });
      expect(refused.errorMessage).toContain('private');
      expect(server.connections()).toBe(1);
      expect(server.requests.map((r) => r.id)).toEqual(['evt_ok']);

      // The refusal left the kept connection alone.
      expect(
        await send(before(server.port), 'evt_after', { agents, lookup: resolvesTo('127.0.0.1') }),
      ).toMatchObject({ ok: true });
      expect(server.connections()).toBe(1);
    },
  );

  it('times out on a kept connection that hangs, then delivers on a new one', async () => {
    const server = await startServer((res, index) => {
      if (index !== 1) res.end('ok'); // the second request is never answered
    });
    const agents = keepAliveAgents();
    const url = server.url();

    expect(await send(url, 'evt_a', { agents })).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(pooled(agents.http)).toBe(1));

    const started = Date.now();
    const hung = await send(url, 'evt_b', { agents, timeoutMs: 300 });
    expect(hung).toMatchObject({ ok: false, statusCode: null, errorClass: 'timeout' });
    expect(hung.latencyMs).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
    await vi.waitFor(() => expect(server.closedConnections()).toBe(1));
    expect(pooled(agents.http)).toBe(0);

    expect(await send(url, 'evt_c', { agents, timeoutMs: 300 })).toMatchObject({
      ok: true,
      responseBody: 'ok',
    });
    expect(server.requests).toEqual([
      { id: 'evt_a', connection: 0 },
      { id: 'evt_b', connection: 0 },
      { id: 'evt_c', connection: 1 },
    ]);
  });
});
