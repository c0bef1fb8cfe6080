import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { countStale, rewrapSecrets } from '@paymux/operations';
import { LocalKeyProvider, localKeyId } from '@paymux/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKey, makeTenant, mintToken, type TestKey, testApp } from './support/fixtures.ts';

// A webhook endpoint's create and rotate responses show its secret once, so their 24-hour
// Idempotency-Key replay copies are sealed by the vault. Master-key rotation re-wraps those
// copies with everything else, so the old key can be dropped at once.

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const vaultA = new LocalKeyProvider([keyA]);
const vaultBA = new LocalKeyProvider([keyB, keyA]);
const onlyB = new LocalKeyProvider([keyB]);

let tdb: TestDatabase;
let key: TestKey;

beforeAll(async () => {
  // Its own database: the rotation below re-wraps every envelope in it.
  tdb = await createTestDatabase();
  key = await makeKey(tdb, (await makeTenant(tdb, 'Rotating shop')).id);
});
afterAll(() => tdb.close());

const appWith = (vault: LocalKeyProvider) =>
  testApp(tdb, { vault, webhooks: { allowLoopback: true, testTimeoutMs: 5000 } }).app;

async function createEndpoint(app: ReturnType<typeof appWith>, idempotencyKey: string): Promise<Response> {
  return await app.request('/v1/webhook_endpoints', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await mintToken(key)}`,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
    },
    body: JSON.stringify({ url: 'http://127.0.0.1:9999/hooks' }),
  });
}

const sealedKeks = async () =>
  (
    await tdb.owner
      .selectFrom('idempotency_keys')
      .select('response_body')
      .where('response_body', 'like', '{"sealed":{%')
      .execute()
  ).map((r) => (JSON.parse(String(r.response_body)) as { sealed: { kek: string } }).sealed.kek);

describe('master-key rotation and sealed Idempotency-Key replay copies', () => {
  it('re-wraps them, so a replay answers with the secret after the old key is gone', async () => {
    const idempotencyKey = randomUUID();
    const first = await createEndpoint(appWith(vaultA), idempotencyKey);
    expect(first.status).toBe(201);
    const { secret } = (await first.json()) as { secret: string };
    expect(await sealedKeks()).toEqual([localKeyId(keyA)]);

    // The endpoint's secret and the sealed replay copy are both stale under the new key.
    expect(await countStale(tdb.db, vaultBA)).toBe(2);
    expect(await rewrapSecrets(tdb.db, vaultBA)).toEqual({ rewrapped: 2, remaining: 0 });
    expect(await sealedKeks()).toEqual([localKeyId(keyB)]);

    const replay = await createEndpoint(appWith(onlyB), idempotencyKey);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as { secret: string }).secret).toBe(secret);
  });

  it('leaves unsealed stored responses alone', async () => {
    const app = appWith(onlyB);
    const res = await app.request('/v1/payments', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await mintToken(key)}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      // No merchant account: a stored 400-class refusal the handler answers, not sealed.
      body: JSON.stringify({
        amount: 100,
        currency: 'CNY',
        channel: 'alipay.qr',
        description: 'x',
        merchant_order_id: `o-${randomUUID().slice(0, 8)}`,
      }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const before = await tdb.owner.selectFrom('idempotency_keys').select('response_body').execute();
    expect(await countStale(tdb.db, new LocalKeyProvider([randomBytes(32), keyB]))).toBe(2);
    const after = await tdb.owner.selectFrom('idempotency_keys').select('response_body').execute();
    expect(after).toEqual(before);
  });
});
