import { type AddressInfo, createServer } from 'node:net';
import { appKysely, migrations } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMerchantAccount, makeKey, makeTenant, mintToken, testApp } from './support/fixtures.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.close());

describe('GET /healthz', () => {
  it('answers 200 while the process is up', async () => {
    const { app } = testApp(tdb);
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers 200 even when the database is unreachable', async () => {
    const unreachable = appKysely('postgres://x:y@127.0.0.1:1/db', 1);
    try {
      const res = await testApp(tdb, { db: unreachable }).app.request('/healthz');
      expect(res.status).toBe(200);
    } finally {
      await unreachable.destroy();
    }
  });
});

describe('GET /readyz', () => {
  it('answers 200 with the number of applied migrations', async () => {
    const res = await testApp(tdb).app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', migrations: Object.keys(migrations).length });
  });

  it('answers 503 (not 500) when the database is unreachable', async () => {
    const unreachable = appKysely('postgres://x:y@127.0.0.1:1/db', 1);
    try {
      const res = await testApp(tdb, { db: unreachable }).app.request('/readyz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
      expect(res.headers.get('request-id')).toMatch(/^req_/);
    } finally {
      await unreachable.destroy();
    }
  });

  it('answers 503 within a few seconds when the database accepts connections but never answers', async () => {
    const silent = createServer((socket) => {
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as AddressInfo).port;
    const db = appKysely(`postgres://u:p@127.0.0.1:${port}/db`);
    try {
      const started = performance.now();
      const res = await testApp(tdb, { db }).app.request('/readyz');
      expect(res.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(4_000);
    } finally {
      await db.destroy().catch(() => {});
      silent.close();
    }
  });

  it('answers 503 naming the pending migration when the schema is behind', async () => {
    const behind = await createTestDatabase();
    try {
      const last = Object.keys(migrations).sort().at(-1) as string;
      await behind.owner.deleteFrom('kysely_migration').where('name', '=', last).execute();
      const res = await testApp(behind).app.request('/readyz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'unavailable',
        reason: 'migrations pending',
        pending: [last],
      });
    } finally {
      await behind.close();
    }
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text counting requests by route pattern, never by raw path', async () => {
    const { app } = testApp(tdb);
    const tenant = await makeTenant(tdb);
    const key = await makeKey(tdb, tenant.id);
    const accountId = await insertMerchantAccount(tdb, tenant.id, 'test');
    const auth = { authorization: `Bearer ${await mintToken(key)}` };

    expect((await app.request(`/v1/merchant_accounts/${accountId}`, { headers: auth })).status).toBe(200);
    expect((await app.request(`/v1/merchant_accounts/${accountId}`, { headers: auth })).status).toBe(200);
    const missing = 'mca_00000000000000000000000000';
    expect((await app.request(`/v1/merchant_accounts/${missing}`, { headers: auth })).status).toBe(404);
    expect((await app.request('/v1/merchant_accounts', { headers: auth })).status).toBe(200);
    expect((await app.request('/no/such/route/abc123')).status).toBe(404);
    expect((await app.request('/healthz')).status).toBe(200);

    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE paymux_http_requests_total counter');
    expect(text).toContain('# TYPE paymux_http_request_duration_seconds histogram');
    expect(text).toContain(
      'paymux_http_requests_total{method="GET",route="/v1/merchant_accounts/:id",status="200"} 2',
    );
    expect(text).toContain(
      'paymux_http_requests_total{method="GET",route="/v1/merchant_accounts/:id",status="404"} 1',
    );
    expect(text).toContain(
      'paymux_http_requests_total{method="GET",route="/v1/merchant_accounts",status="200"} 1',
    );
    expect(text).toContain('paymux_http_requests_total{method="GET",route="/healthz",status="200"} 1');
    expect(text).toContain('paymux_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    // Raw ids and unmatched paths would explode label cardinality.
    expect(text).not.toContain(accountId);
    expect(text).not.toContain(missing);
    expect(text).not.toContain('abc123');
    // Default process metrics come with the same prefix.
    expect(text).toMatch(/^paymux_process_cpu_user_seconds_total /m);
  });

  it('keeps one registry per app, so two apps in one process do not share counts', async () => {
    const first = testApp(tdb).app;
    const second = testApp(tdb).app;
    await first.request('/healthz');
    const text = await (await second.request('/metrics')).text();
    expect(text).not.toContain('route="/healthz"');
  });
});
