import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { testAlipayCredentials } from '@paymux/providers/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKey } from '../../../services/api/test/support/fixtures.ts';
import { Paymux, PaymuxConnectionError, PaymuxError } from '../src/index.ts';
import { type ApiServer, apiKeyFile, startApiServer, tenantWithKey } from './support/api-server.ts';
import { type FaultServer, problem, startFaultServer } from './support/fault-server.ts';

// A fault-injecting HTTP server sits in front of the real API: it answers the scripted faults,
// then proxies to the API, so a retried POST really creates (exactly one) resource.

let api: ApiServer;
let faults: FaultServer;
let key: TestKey;

beforeAll(async () => {
  api = await startApiServer();
  faults = await startFaultServer(api.url);
  ({ key } = await tenantWithKey(api));
});
afterAll(async () => {
  await faults?.close();
  await api?.close();
});

const sdk = (options: { maxRetries?: number; timeoutMs?: number } = {}) =>
  new Paymux({ privateKey: apiKeyFile(key), baseUrl: faults.url, ...options });

const createAccount = (paymux: Paymux, display_name: string, options?: { signal?: AbortSignal }) =>
  paymux.merchantAccounts.create(
    { provider: 'alipay', display_name, credentials: testAlipayCredentials() },
    options,
  );

async function accountsNamed(name: string): Promise<number> {
  const direct = new Paymux({ privateKey: apiKeyFile(key), baseUrl: api.url });
  let count = 0;
  for await (const account of direct.merchantAccounts.listAll({ limit: 100 })) {
    if (account.display_name === name) count += 1;
  }
  return count;
}

const keysSeen = () => faults.seen.map((r) => r.headers['idempotency-key']);

describe('retries', () => {
  it('503 twice, then success: three attempts with one Idempotency-Key, one account created', async () => {
    faults.script(problem(503, 'service_unavailable'), problem(503, 'service_unavailable'), {
      kind: 'proxy',
    });
    const account = await createAccount(sdk(), 'After two 503s');
    expect(account.object).toBe('merchant_account');
    expect(faults.seen).toHaveLength(3);
    const keys = keysSeen();
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(await accountsNamed('After two 503s')).toBe(1);
  });

  it('backs off between attempts (exponential, jittered)', async () => {
    faults.script(problem(500, 'internal_error'), problem(502, 'provider_error'), { kind: 'proxy' });
    await createAccount(sdk(), 'Backoff');
    const [a = 0, b = 0, c = 0] = faults.seen.map((r) => r.at);
    // First step 250–500 ms, second 500–1000 ms (timer slack allowed below).
    expect(b - a).toBeGreaterThanOrEqual(240);
    expect(c - b).toBeGreaterThanOrEqual(490);
    expect(c - a).toBeLessThan(3000);
  });

  it('429 with Retry-After: waits as long as asked, then succeeds with the same key', async () => {
    faults.script(problem(429, 'rate_limited', { 'retry-after': '1' }), { kind: 'proxy' });
    await createAccount(sdk(), 'After a 429');
    const [first = 0, second = 0] = faults.seen.map((r) => r.at) as number[];
    expect(second - first).toBeGreaterThanOrEqual(990);
    expect(new Set(keysSeen()).size).toBe(1);
  });

  it('429 asking for longer than 30 s: not waited for, raised at once with retryable and the headers', async () => {
    faults.script(problem(429, 'rate_limited', { 'retry-after': '120' }));
    const started = Date.now();
    const error = await createAccount(sdk(), 'Long 429').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(PaymuxError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryable: true });
    expect((error as PaymuxError).headers?.get('retry-after')).toBe('120');
    expect(faults.seen).toHaveLength(1);
  });

  it('409 idempotency_key_in_use is retried with the same key', async () => {
    faults.script(problem(409, 'idempotency_key_in_use', { 'retry-after': '0' }), { kind: 'proxy' });
    await createAccount(sdk(), 'After in-use');
    expect(faults.seen).toHaveLength(2);
    expect(new Set(keysSeen()).size).toBe(1);
  });

  it('never retries other 4xx: 400, 404, 409 conflict, 422', async () => {
    for (const [status, code] of [
      [400, 'validation_failed'],
      [404, 'not_found'],
      [409, 'conflict'],
      [422, 'idempotency_key_reused'],
    ] as const) {
      faults.script(problem(status, code));
      const error = await createAccount(sdk(), `No retry ${status}`).catch((e: unknown) => e);
      expect(error).toMatchObject({ status, code, retryable: false, requestId: `req_fault_${code}` });
      expect(faults.seen).toHaveLength(1);
    }
    expect(await accountsNamed('No retry 400')).toBe(0);
  });

  it('gives up after maxRetries, raising the last error as retryable', async () => {
    faults.script(...Array.from({ length: 3 }, () => problem(500, 'internal_error')));
    const error = await createAccount(sdk({ maxRetries: 2 }), 'Gives up').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500, code: 'internal_error', retryable: true });
    expect(faults.seen).toHaveLength(3);
  });

  it('retries a dropped connection with the same key', async () => {
    faults.script({ kind: 'reset' }, { kind: 'proxy' });
    await createAccount(sdk(), 'After a reset');
    expect(faults.seen).toHaveLength(2);
    expect(new Set(keysSeen()).size).toBe(1);
    expect(await accountsNamed('After a reset')).toBe(1);
  });

  it('times out a hung attempt and retries it; with no retries left it is a PaymuxConnectionError', async () => {
    faults.script({ kind: 'hang' }, { kind: 'proxy' });
    await createAccount(sdk({ timeoutMs: 300 }), 'After a hang');
    expect(faults.seen).toHaveLength(2);
    expect(new Set(keysSeen()).size).toBe(1);

    faults.script({ kind: 'hang' });
    const error = await sdk({ timeoutMs: 200, maxRetries: 0 })
      .whoami()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymuxConnectionError);
    expect(error).toBeInstanceOf(PaymuxError);
    expect(error).toMatchObject({ status: 0, code: 'timeout', retryable: true });
  });

  it('a refused connection becomes a PaymuxConnectionError after the retries', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const paymux = new Paymux({
      privateKey: apiKeyFile(key),
      baseUrl: `http://127.0.0.1:${closedPort}`,
      maxRetries: 1,
    });
    const error = await paymux.whoami().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymuxConnectionError);
    expect(error).toMatchObject({ status: 0, code: 'connection_error' });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).cause).toBeDefined();
  });

  it('an abort signal stops the call during a backoff wait, without another attempt', async () => {
    faults.script(problem(503, 'service_unavailable', { 'retry-after': '10' }), { kind: 'proxy' });
    const controller = new AbortController();
    const call = createAccount(sdk(), 'Aborted', { signal: controller.signal });
    // Abort once the 503 has been answered and the client is waiting out its Retry-After (10 s).
    while (faults.seen.length === 0) await sleep(10);
    await sleep(100);
    const attemptsBefore = faults.seen.length;
    const abortedAt = Date.now();
    controller.abort(new Error('caller gave up'));
    await expect(call).rejects.toThrow('caller gave up');
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await sleep(200);
    expect(faults.seen.length).toBe(attemptsBefore);
  });
});
