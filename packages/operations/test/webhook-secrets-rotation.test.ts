import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { LocalKeyProvider, localKeyId } from '@paymux/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countStale,
  createTenant,
  createWebhookEndpoint,
  OPERATOR,
  openSigningSecrets,
  rewrapSecrets,
  rotateWebhookSecret,
} from '../src/index.ts';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const vaultA = new LocalKeyProvider([keyA]);
const vaultB = new LocalKeyProvider([keyB, keyA]);
const onlyB = new LocalKeyProvider([keyB]);

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.close());

describe('master-key rotation and webhook signing secrets', () => {
  it('re-wraps the current and the previous secret of every endpoint; both still open to the same values', async () => {
    const { tenant } = await createTenant({
      ctx: { db: tdb.db, actor: OPERATOR },
      input: {
        name: 'Hooks',
        email: `hooks-rewrap-${Date.now()}@example.com`,
        password: 'correct horse battery',
      },
    });
    const ctx = { db: tdb.db, vault: vaultA, actor: OPERATOR, allowLoopback: true };
    const first = await createWebhookEndpoint({
      ctx,
      input: { tenantId: tenant.id, mode: 'test', url: 'http://127.0.0.1:9999/a' },
    });
    const plain = await createWebhookEndpoint({
      ctx,
      input: { tenantId: tenant.id, mode: 'test', url: 'http://127.0.0.1:9999/b' },
    });
    const rotated = await rotateWebhookSecret({
      ctx,
      input: { tenantId: tenant.id, mode: 'test', id: first.id },
    });

    // Two secrets on the rotated endpoint, one on the other: three envelopes under A.
    expect(await countStale(tdb.db, vaultB)).toBe(3);
    const result = await rewrapSecrets(tdb.db, vaultB);
    expect(result).toEqual({ rewrapped: 3, remaining: 0 });

    const rows = (await tdb.owner
      .selectFrom('webhook_endpoints')
      .selectAll()
      .orderBy('id')
      .execute()) as Array<{
      tenant_id: string;
      id: string;
      secret: { kek: string };
      previous_secret: { kek: string } | null;
      previous_secret_expires_at: Date | null;
    }>;
    for (const row of rows) {
      expect(row.secret.kek).toBe(localKeyId(keyB));
      if (row.previous_secret) expect(row.previous_secret.kek).toBe(localKeyId(keyB));
    }
    // Key A is gone: B alone opens everything, to the same plaintexts.
    const now = new Date();
    const rotatedRow = rows.find((r) => r.id === first.id);
    const plainRow = rows.find((r) => r.id === plain.id);
    if (!rotatedRow || !plainRow) throw new Error('rows missing');
    expect(await openSigningSecrets(onlyB, rotatedRow, now)).toEqual([rotated.secret, first.secret]);
    expect(await openSigningSecrets(onlyB, plainRow, now)).toEqual([plain.secret]);
    await expect(openSigningSecrets(vaultA, plainRow, now)).rejects.toThrow();
  });
});
