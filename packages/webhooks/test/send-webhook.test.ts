import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BaseLookup,
  generateWebhookSecret,
  type SendResult,
  sendWebhook,
  signWebhook,
  type UrlPolicy,
  webhookBody,
} from '../src/index.ts';
import { closedPort, type LocalServer, startLocalServer } from './support/local-server.ts';

const local: UrlPolicy = { requireHttps: false, allowLoopback: true };
const secret = generateWebhookSecret();
const body = webhookBody({
  id: 'evt_01jd4q6x2m9k3f8r7t5v0w1y2z',
  type: 'payment.succeeded',
  createdAt: new Date('2026-11-26T08:30:00Z'),
  data: { subject: '支付成功 🎉', amount: '12.50' },
});

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function send(url: string, extra: { timeoutMs?: number; lookup?: BaseLookup; signal?: AbortSignal } = {}) {
  const headers = signWebhook({
    id: 'evt_01jd4q6x2m9k3f8r7t5v0w1y2z',
    timestamp: new Date(),
    body,
    secrets: [secret],
  });
  return sendWebhook({ url, headers, body, policy: local, ...extra });
}

function answering(status: number, headers: Record<string, string> = {}, text = ''): Promise<LocalServer> {
  return startLocalServer((_req, res) => {
    res.writeHead(status, headers);
    res.end(text);
  });
}

describe('sendWebhook against a local server', () => {
  it.each([200, 204])('reports %i as delivered', async (status) => {
    server = await answering(status, {}, status === 200 ? 'thanks' : '');
    const result = await send(server.url());
    expect(result).toEqual({
      ok: true,
      statusCode: status,
      latencyMs: expect.any(Number),
      errorClass: null,
      errorMessage: null,
      responseBody: status === 200 ? 'thanks' : '',
      retryAfterMs: undefined,
      gone: false,
    } satisfies SendResult);
    expect(Number.isInteger(result.latencyMs)).toBe(true);
  });

  it('delivers the exact body bytes with the signed headers, which the library verifies', async () => {
    server = await answering(200);
    const headers = signWebhook({ id: 'evt_1', timestamp: new Date(), body, secrets: [secret] });
    await sendWebhook({ url: server.url('/hooks/paymux?x=1'), headers, body, policy: local });

    expect(server.requests).toHaveLength(1);
    const received = server.requests[0];
    expect(received?.method).toBe('POST');
    expect(received?.path).toBe('/hooks/paymux?x=1');
    expect(received?.body.equals(body)).toBe(true);
    expect(received?.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'Paymux-Webhooks/1',
      ...headers,
    });
    const asReceived = {
      'webhook-id': String(received?.headers['webhook-id']),
      'webhook-timestamp': String(received?.headers['webhook-timestamp']),
      'webhook-signature': String(received?.headers['webhook-signature']),
    };
    expect(new Webhook(secret).verify(received?.body ?? Buffer.alloc(0), asReceived)).toMatchObject({
      data: { subject: '支付成功 🎉' },
    });
  });

  it('never follows a redirect', async () => {
    server = await startLocalServer((req, res) => {
      if (req.url === '/hook') res.writeHead(302, { location: '/target' }).end();
      else res.writeHead(200).end('followed');
    });
    const result = await send(server.url('/hook'));
    expect(result).toMatchObject({ ok: false, statusCode: 302, errorClass: 'redirect' });
    expect(server.requests.map((r) => r.path)).toEqual(['/hook']);
  });

  it('reports 410 as gone', async () => {
    server = await answering(410, {}, 'endpoint removed');
    expect(await send(server.url())).toMatchObject({
      ok: false,
      statusCode: 410,
      gone: true,
      errorClass: 'http_status',
    });
  });

  it.each([429, 503])('reads Retry-After on %i', async (status) => {
    server = await answering(status, { 'retry-after': '120' });
    expect(await send(server.url())).toMatchObject({
      ok: false,
      statusCode: status,
      retryAfterMs: 120_000,
      gone: false,
    });
  });

  it('reads Retry-After given as an HTTP-date', async () => {
    const at = new Date(Date.now() + 3_600_000);
    server = await answering(503, { 'retry-after': at.toUTCString() });
    const { retryAfterMs } = await send(server.url());
    expect(retryAfterMs).toBeGreaterThan(3_500_000);
    expect(retryAfterMs).toBeLessThanOrEqual(3_600_000);
  });

  it('ignores Retry-After on other statuses', async () => {
    server = await answering(500, { 'retry-after': '120' }, 'boom');
    expect(await send(server.url())).toMatchObject({
      ok: false,
      statusCode: 500,
      errorClass: 'http_status',
      errorMessage: 'HTTP 500',
      responseBody: 'boom',
      retryAfterMs: undefined,
    });
  });

  it('times out quickly on a server that never answers', async () => {
    server = await startLocalServer(() => {});
    const started = Date.now();
    const result = await send(server.url(), { timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'timeout' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();
    expect(await send(`http://127.0.0.1:${port}/hook`)).toMatchObject({
      ok: false,
      statusCode: null,
      errorClass: 'connection',
      errorMessage: 'connection failed (ECONNREFUSED)',
    });
  });

  it('reports TLS failure when https meets a plain HTTP server', async () => {
    server = await answering(200);
    const result = await send(`https://127.0.0.1:${server.port}/hook`);
    expect(result).toMatchObject({ ok: false, statusCode: null, errorClass: 'tls' });
  });

  it('keeps at most 4096 bytes of a 1 MB response', async () => {
    server = await answering(200, { 'content-type': 'text/plain' }, '界'.repeat(350_000));
    const result = await send(server.url());
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(result.responseBody.length).toBeGreaterThan(1000);
    expect(Buffer.byteLength(result.responseBody)).toBeLessThanOrEqual(4096 + 2); // a cut character becomes U+FFFD
    expect(result.responseBody.length).toBeLessThanOrEqual(4096);
  });

  it('returns without waiting for an endless body, closing the connection', async () => {
    let written = 0;
    let cutOff = false;
    server = await startLocalServer((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      // Bounded so the server stops by itself if the client kept reading.
      const pump = () => {
        while (written < 256 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        cutOff = !res.writableFinished;
      });
      pump();
    });
    const result = await send(server.url(), { timeoutMs: 5000 });
    expect(result).toMatchObject({ ok: true, statusCode: 200, errorClass: null });
    expect(result.responseBody).toBe('a'.repeat(4096));
    await vi.waitFor(() => expect(cutOff).toBe(true));
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('reports an unresolvable name as dns', async () => {
    const unresolvable: BaseLookup = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
    expect(await send('http://nowhere.shop.test:8080/hook', { lookup: unresolvable })).toMatchObject({
      ok: false,
      statusCode: null,
      errorClass: 'dns',
      errorMessage: 'the host name could not be resolved (ENOTFOUND)',
    });
    expect(await send('http://empty.shop.test:8080/hook', { lookup: async () => [] })).toMatchObject({
      errorClass: 'dns',
    });
  });

  it('reaches a host name through the injected lookup', async () => {
    server = await answering(200);
    const lookup: BaseLookup = async () => [{ address: '127.0.0.1', family: 4 }];
    expect(await send(`http://hooks.shop.test:${server.port}/hook`, { lookup })).toMatchObject({ ok: true });
    expect(server.requests[0]?.headers.host).toBe(`hooks.shop.test:${server.port}`);
  });

  it('stops when the caller aborts', async () => {
    server = await startLocalServer(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await send(server.url(), { signal: controller.signal });
    expect(result).toMatchObject({
      ok: false,
      errorClass: 'connection',
      errorMessage: 'aborted by the caller',
    });
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it('never throws, even for a URL that does not parse', async () => {
    expect(await send('::not a url::')).toMatchObject({
      ok: false,
      statusCode: null,
      errorClass: 'invalid_url',
    });
  });
});
