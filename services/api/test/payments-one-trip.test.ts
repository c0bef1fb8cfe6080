import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminPost } from '../../sandbox/test/support/wechatpay-client.ts';
import { mintToken } from './support/fixtures.ts';
import { idempotencyRecord, paymentRecords } from './support/payment-records.ts';
import {
  giveSandboxAccounts,
  type SandboxedApi,
  signUpWithTestMode,
  startSandboxedApi,
} from './support/sandbox-app.ts';

// POST /v1/payments writes the payment (with its Idempotency-Key claim and its jobs) in one
// statement, and its outcome (with the key's response) in another: one round trip each.
// The first statement re-checks the merchant account the tenant's payments last went to,
// the second the payment exactly as recorded; when either finds a change it writes nothing
// and the general path runs. These tests check the statements, and that a stale account or
// a payment changed under the provider call never leads to a wrong or lost write.

let api: SandboxedApi;
let shop: Awaited<ReturnType<typeof signUpWithTestMode>>;

beforeAll(async () => {
  // Keys cached as `paymux start` caches them, and for the whole file: a request then does no
  // I/O before its payment's statement, so requests sent at once reach it in one turn.
  api = await startSandboxedApi({ apiKeyCacheTtlMs: 10 * 60_000 });
  shop = await signUpWithTestMode(api);
}, 60_000);
afterAll(() => api.close());

const db = () => api.server.tdb.owner;

const body = (extra: Record<string, unknown> = {}) => ({
  amount: 990,
  currency: 'CNY',
  channel: 'wechat.native',
  description: 'One trip',
  merchant_order_id: `trip-${randomUUID().slice(0, 12)}`,
  ...extra,
});

async function post(payload: unknown, key: string | null = randomUUID()): Promise<Response> {
  return await api.app.request('/v1/payments', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await mintToken(shop.key)}`,
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(payload),
  });
}

async function patchAccount(id: string, patch: Record<string, unknown>): Promise<void> {
  const res = await api.app.request(`/v1/merchant_accounts/${id}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${await mintToken(shop.key)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(patch),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const paymentsFor = (merchantOrderId: string) => paymentRecords(db(), shop.tenantId, merchantOrderId);
const keyRecord = (key: string) => idempotencyRecord(db(), shop.tenantId, key);

/** The statements the API's app pool (role paymux_app) is sent while `fn` runs. */
async function appStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const original = pg.Client.prototype.query;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client & { connectionParameters?: { options?: string } },
    ...args: unknown[]
  ) {
    const [text] = args;
    if (this.connectionParameters?.options?.includes('role=paymux_app')) {
      const value = typeof text === 'string' ? text : (text as { text?: string }).text;
      statements.push((value ?? '').replace(/\s+/g, ' ').trim());
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args) as never;
  });
  try {
    return { result: await fn(), statements };
  } finally {
    spy.mockRestore();
  }
}

/** `statements` cut into transactions (BEGIN … COMMIT), keeping those run as the tenant. */
function tenantTransactions(statements: readonly string[]): string[][] {
  const transactions: string[][] = [];
  let current: string[] | undefined;
  for (const statement of statements) {
    if (/^begin\b/i.test(statement)) current = [];
    current?.push(statement);
    if (/^(commit|rollback)$/i.test(statement) && current) {
      if (/set_config\('role', 'paymux_app'/.test(current[0] ?? '')) transactions.push(current);
      current = undefined;
    }
  }
  return transactions;
}

describe('POST /v1/payments in two statements', () => {
  it('writes a payment in one statement and its outcome in another, each its own transaction', async () => {
    expect((await post(body())).status).toBe(201); // the tenant's account is now known
    const key = randomUUID();
    const payload = body();
    const { result: res, statements } = await appStatements(() => post(payload, key));
    const text = await res.text();
    expect(res.status, text).toBe(201);
    // Authentication reads the key in a transaction of its own (role paymux_system); the
    // payment's are the tenant's.
    const trips = tenantTransactions(statements);
    expect(trips).toHaveLength(2);
    for (const trip of trips) expect(trip).toHaveLength(3);
    expect(trips[0]?.[1]).toMatch(
      /insert into idempotency_keys.*insert into payments.*insert into pgboss\.job/,
    );
    expect(trips[1]?.[1]).toMatch(/update payments.*update idempotency_keys/);

    // The claim, the payment and its jobs committed together; then the outcome and the
    // key's response together, the response being exactly what was answered.
    const [row] = await paymentsFor(payload.merchant_order_id);
    const record = await keyRecord(key);
    expect(record).toMatchObject({ status: 'completed', response_status: 201, response_body: text });
    expect(record.xmin).toBe(row?.xmin);
    expect(JSON.parse(text)).toMatchObject({
      id: row?.id,
      status: 'requires_payment',
      next_action: { type: 'qr_code' },
      merchant_account: shop.accounts.wechatpay.id,
    });
    const jobs = await sql<{ n: number }>`
      select count(*)::int as n from pgboss.job where data->>'payment_id' = ${row?.id ?? ''}
    `.execute(db());
    expect(jobs.rows[0]?.n).toBe(2);

    // Without a key the statements are the same, less the key's writes.
    const plain = await appStatements(() => post(body(), null));
    expect(plain.result.status).toBe(201);
    const plainTrips = tenantTransactions(plain.statements);
    expect(plainTrips.map((t) => t.length)).toEqual([3, 3]);
    expect(plainTrips.flat().join('\n')).not.toMatch(/idempotency_keys/);
  });

  it('routes to the new default account once the default changes', async () => {
    expect((await post(body())).status).toBe(201);
    await giveSandboxAccounts(api, shop.tenantId, 'test');
    const second = await db()
      .selectFrom('merchant_accounts')
      .select('id')
      .where('tenant_id', '=', shop.tenantId)
      .where('mode', '=', 'test')
      .where('provider', '=', 'wechatpay')
      .where('id', '!=', shop.accounts.wechatpay.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    await patchAccount(second.id, { is_default: true });

    const payload = body();
    const res = await post(payload);
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await res.json()).toMatchObject({ merchant_account: second.id });
    expect((await paymentsFor(payload.merchant_order_id))[0]?.merchant_account_id).toBe(second.id);

    await patchAccount(shop.accounts.wechatpay.id, { is_default: true });
    const back = await post(body());
    expect(await back.json()).toMatchObject({ merchant_account: shop.accounts.wechatpay.id });
  });

  it('refuses a payment to an account disabled since the last one, and writes nothing', async () => {
    const named = { channel: 'alipay.qr', merchant_account: shop.accounts.alipay.id };
    expect((await post(body(named))).status).toBe(201);
    await patchAccount(shop.accounts.alipay.id, { status: 'disabled' });
    try {
      const key = randomUUID();
      const payload = body(named);
      const res = await post(payload, key);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ code: 'conflict', detail: expect.stringMatching(/disabled/) });
      expect(await paymentsFor(payload.merchant_order_id)).toEqual([]);
      // The key keeps the refusal (it ran), not a claim left in progress.
      expect(await keyRecord(key)).toMatchObject({ status: 'completed', response_status: 409 });
    } finally {
      await patchAccount(shop.accounts.alipay.id, { status: 'active', is_default: true });
    }
    expect((await post(body(named))).status).toBe(201);
  });

  it('stores the outcome through the general path when the payment changed during the provider call', async () => {
    expect((await post(body())).status).toBe(201);
    const res = await adminPost(api.server.sandboxUrl, '/faults', {
      provider: 'wechatpay',
      merchant: shop.accounts.wechatpay.merchant,
      endpoint: 'transactions.native',
      count: 1,
      latency_ms: 600,
    });
    expect(res.status).toBe(201);
    const key = randomUUID();
    const payload = body();
    const pending = post(payload, key);
    const deadline = Date.now() + 5_000;
    while ((await paymentsFor(payload.merchant_order_id)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // Another writer touches the row while the provider call is held.
    await sql`
      update payments set metadata = '{"touched": "meanwhile"}'::jsonb
      where tenant_id = ${shop.tenantId} and merchant_order_id = ${payload.merchant_order_id}
    `.execute(db());

    const answered = await pending;
    const text = await answered.text();
    expect(answered.status, text).toBe(201);
    // The answer is the row as stored, with both writes: nothing was lost or overwritten.
    expect(JSON.parse(text)).toMatchObject({
      metadata: { touched: 'meanwhile' },
      next_action: { type: 'qr_code' },
    });
    const [row] = await paymentsFor(payload.merchant_order_id);
    expect(row?.metadata).toEqual({ touched: 'meanwhile' });
    const record = await keyRecord(key);
    expect(record).toMatchObject({ status: 'completed', response_status: 201, response_body: text });
    expect(record.xmin).toBe(row?.xmin);
  });
});

describe('POST /v1/payments at once (group commit)', () => {
  let send: (payload: unknown, key: string) => Promise<Response>;
  let taken: ReturnType<typeof body>;

  beforeAll(async () => {
    const token = await mintToken(shop.key);
    send = async (payload, key) =>
      await api.app.request('/v1/payments', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(payload),
      });
    taken = body();
    // The key is now cached and the account known: the requests below reach their write
    // without waiting on the database, all in the turn they are sent in.
    expect((await send(taken, randomUUID())).status).toBe(201);
  });

  /** Sends the payloads at once; checks each got its own payment, response and two jobs. */
  async function sendTogether(payloads: ReturnType<typeof body>[], extra: Promise<Response>[] = []) {
    const keys = payloads.map(() => randomUUID());
    const responses = await Promise.all([
      ...payloads.map((payload, i) => send(payload, keys[i] as string)),
      ...extra,
    ]);
    const texts = await Promise.all(responses.map((r) => r.text()));
    const recordVersions: string[] = [];
    for (const [i, payload] of payloads.entries()) {
      expect(responses[i]?.status, texts[i]).toBe(201);
      const rows = await paymentsFor(payload.merchant_order_id);
      expect(rows).toHaveLength(1);
      expect(JSON.parse(texts[i] as string)).toMatchObject({
        id: rows[0]?.id,
        next_action: { type: 'qr_code' },
      });
      expect(await keyRecord(keys[i] as string)).toMatchObject({
        status: 'completed',
        response_status: 201,
        response_body: texts[i],
      });
      // No worker runs here, so the jobs are never updated: their version is the record's
      // transaction.
      const jobs = await sql<{ xmin: string }>`
        select xmin::text from pgboss.job where data->>'payment_id' = ${rows[0]?.id ?? ''}
      `.execute(db());
      expect(jobs.rows).toHaveLength(2);
      recordVersions.push(jobs.rows[0]?.xmin as string);
    }
    return {
      recordVersions,
      extra: responses.slice(payloads.length),
      extraTexts: texts.slice(payloads.length),
    };
  }

  it('writes payments sent together in one transaction, each its own payment and response', async () => {
    const payloads = Array.from({ length: 8 }, () => body());
    const { recordVersions } = await sendTogether(payloads);
    // They reached their write in one turn of the event loop: one transaction wrote all eight.
    expect(new Set(recordVersions).size).toBe(1);
  });

  it('a duplicate merchant_order_id among them fails alone, and the others are written', async () => {
    // The duplicate's unique violation rolls back any batch it is in; its batch-mates are
    // then written one by one.
    const duplicateKey = randomUUID();
    const { extra, extraTexts } = await sendTogether(
      Array.from({ length: 4 }, () => body()),
      [send(body({ merchant_order_id: taken.merchant_order_id }), duplicateKey)],
    );
    expect(extra[0]?.status).toBe(409);
    expect(JSON.parse(extraTexts[0] as string)).toMatchObject({ code: 'conflict' });
    expect(await paymentsFor(taken.merchant_order_id)).toHaveLength(1);
    expect(await keyRecord(duplicateKey)).toMatchObject({ status: 'completed', response_status: 409 });
  });
});
