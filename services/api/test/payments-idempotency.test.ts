import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPost } from '../../sandbox/test/support/wechatpay-client.ts';
import { mintToken } from './support/fixtures.ts';
import { idempotencyRecord, paymentRecords } from './support/payment-records.ts';
import { type SandboxedApi, signUpWithTestMode, startSandboxedApi } from './support/sandbox-app.ts';

// POST /v1/payments with an Idempotency-Key, through the real sandbox. The key is claimed in
// the transaction that records the payment, and its outcome stored in the one that records
// the provider's answer (IdempotencyHandle), so these tests check both transactions as well
// as the replay semantics.

let api: SandboxedApi;
let shop: Awaited<ReturnType<typeof signUpWithTestMode>>;

beforeAll(async () => {
  api = await startSandboxedApi();
  shop = await signUpWithTestMode(api);
}, 60_000);
afterAll(() => api.close());

const body = (channel = 'wechat.native') => ({
  amount: 1288,
  currency: 'CNY',
  channel,
  description: '幂等 test ☕',
  merchant_order_id: `idem-${randomUUID().slice(0, 12)}`,
});

async function post(key: string, payload: unknown): Promise<Response> {
  return await api.app.request('/v1/payments', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await mintToken(shop.key)}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(payload),
  });
}

const db = () => api.server.tdb.owner;

const paymentsFor = (merchantOrderId: string) => paymentRecords(db(), shop.tenantId, merchantOrderId);
const keyRecord = (key: string) => idempotencyRecord(db(), shop.tenantId, key);

async function injectWechatFault(fault: Record<string, unknown>): Promise<void> {
  const res = await adminPost(api.server.sandboxUrl, '/faults', {
    provider: 'wechatpay',
    merchant: shop.accounts.wechatpay.merchant,
    endpoint: 'transactions.native',
    count: 1,
    ...fault,
  });
  expect(res.status).toBe(201);
}

describe('POST /v1/payments with an Idempotency-Key', () => {
  it('commits the key’s outcome with the payment’s, and replays it byte for byte', async () => {
    const key = randomUUID();
    const payload = body();
    const first = await post(key, payload);
    const firstText = await first.text();
    expect(first.status, firstText).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const payment = JSON.parse(firstText) as { id: string; next_action: { type: string } };
    expect(payment.next_action.type).toBe('qr_code');

    const [row] = await paymentsFor(payload.merchant_order_id);
    const record = await keyRecord(key);
    expect(record).toMatchObject({ status: 'completed', response_status: 201, response_body: firstText });
    // One transaction wrote both: the payment's provider answer and the key's response.
    expect(record.xmin).toBe(row?.xmin);

    const again = await post(key, payload);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toBe('application/json');
    expect(await again.text()).toBe(firstText);
    expect(await paymentsFor(payload.merchant_order_id)).toHaveLength(1);
  });

  it('answers a concurrent duplicate 409 while the provider call runs, then replays one payment', async () => {
    await injectWechatFault({ latency_ms: 600 });
    const key = randomUUID();
    const payload = body();
    const first = post(key, payload);
    // The first request holds the key (claimed, in progress) while the sandbox sleeps.
    const deadline = Date.now() + 5_000;
    while ((await paymentsFor(payload.merchant_order_id)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // The key was claimed in the transaction that recorded the payment and its jobs.
    const [pending] = await paymentsFor(payload.merchant_order_id);
    const claim = await keyRecord(key);
    expect(claim.status).toBe('in_progress');
    expect(claim.xmin).toBe(pending?.xmin);
    const jobs = await sql<{ xmin: string }>`
      select xmin::text from pgboss.job where data->>'payment_id' = ${pending?.id ?? ''}
    `.execute(db());
    expect(jobs.rows.length).toBeGreaterThan(0);
    for (const job of jobs.rows) expect(job.xmin).toBe(claim.xmin);

    const duplicates = await Promise.all([post(key, payload), post(key, payload)]);
    for (const dup of duplicates) {
      expect(dup.status).toBe(409);
      expect(dup.headers.get('retry-after')).toBe('1');
      expect(await dup.json()).toMatchObject({ code: 'idempotency_key_in_use' });
    }
    const firstRes = await first;
    const firstText = await firstRes.text();
    expect(firstRes.status, firstText).toBe(201);
    const retry = await post(key, payload);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.text()).toBe(firstText);
    expect(await paymentsFor(payload.merchant_order_id)).toHaveLength(1);
  });

  it('stores a provider refusal (failed payment) with the payment, and replays it', async () => {
    await injectWechatFault({
      status: 400,
      body: JSON.stringify({ code: 'PARAM_ERROR', message: '参数错误' }),
    });
    const key = randomUUID();
    const payload = body();
    const first = await post(key, payload);
    const firstText = await first.text();
    expect(first.status, firstText).toBe(201);
    expect(JSON.parse(firstText)).toMatchObject({ status: 'failed', failure_code: 'PARAM_ERROR' });
    const [row] = await paymentsFor(payload.merchant_order_id);
    expect((await keyRecord(key)).xmin).toBe(row?.xmin);
    const again = await post(key, payload);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstText);
  });

  it('refuses the key with another body (422) and creates nothing more', async () => {
    const key = randomUUID();
    const payload = body('alipay.qr');
    expect((await post(key, payload)).status).toBe(201);
    const other = { ...payload, merchant_order_id: `${payload.merchant_order_id}-2` };
    const res = await post(key, other);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: 'idempotency_key_reused' });
    expect(await paymentsFor(other.merchant_order_id)).toHaveLength(0);
  });

  it('keeps a refusal the handler answers before any payment exists (409 on a used merchant_order_id)', async () => {
    const payload = body('alipay.qr');
    expect((await post(randomUUID(), payload)).status).toBe(201);
    const key = randomUUID();
    const conflict = await post(key, payload);
    expect(conflict.status).toBe(409);
    expect(await keyRecord(key)).toMatchObject({ status: 'completed', response_status: 409 });
    const again = await post(key, payload);
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});
