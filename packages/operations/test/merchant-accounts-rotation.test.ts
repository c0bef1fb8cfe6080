import { randomBytes } from 'node:crypto';
import { isPaymuxError } from '@paymux/core';
import { type MerchantAccountRow, withTenant } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { testAlipayCredentials, testWechatpayCredentials } from '@paymux/providers/testing';
import { type Envelope, type KeyProvider, LocalKeyProvider, localKeyId } from '@paymux/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnyCredentials,
  countStale,
  createMerchantAccount,
  createTenant,
  deleteMerchantAccount,
  findMerchantAccount,
  OPERATOR,
  openCredentials,
  rewrapSecrets,
  updateMerchantAccount,
} from '../src/index.ts';

interface Account {
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly provider: 'wechatpay' | 'alipay';
  readonly id: string;
}

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const vaultA = new LocalKeyProvider([keyA]);
/** After the rotation is deployed: B is active, A still unwraps. */
const vaultB = new LocalKeyProvider([keyB, keyA]);

let tdb: TestDatabase;
let accounts: Account[];
let deletedId: string;

async function newTenant(name: string): Promise<string> {
  const { tenant } = await createTenant({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: {
      name,
      email: `${name.replace(/\W/g, '').toLowerCase()}-${Date.now()}@example.com`,
      password: 'correct horse battery',
    },
  });
  return tenant.id;
}

async function credentialsFor(provider: 'wechatpay' | 'alipay'): Promise<Record<string, unknown>> {
  return provider === 'wechatpay'
    ? { ...(await testWechatpayCredentials()) }
    : { ...testAlipayCredentials() };
}

async function create(
  vault: KeyProvider,
  tenantId: string,
  mode: 'test' | 'live',
  provider: 'wechatpay' | 'alipay',
): Promise<Account> {
  const view = await createMerchantAccount({
    ctx: { db: tdb.db, vault, actor: OPERATOR },
    input: {
      tenantId,
      mode,
      provider,
      display_name: `${provider} ${mode}`,
      credentials: await credentialsFor(provider),
    },
  });
  return { tenantId, mode, provider, id: view.id };
}

/** An account's row the way a payment would load it: through the tenant's own transaction. */
async function load(account: Account): Promise<MerchantAccountRow> {
  return await withTenant(tdb.db, account.tenantId, (trx) =>
    findMerchantAccount(trx, { tenantId: account.tenantId, mode: account.mode }, account.id),
  );
}

async function envelopes(): Promise<Map<string, Envelope>> {
  const rows = await tdb.owner.selectFrom('merchant_accounts').select(['id', 'credentials']).execute();
  return new Map(rows.map((r: { id: string; credentials: Envelope }) => [r.id, r.credentials]));
}

/** The same account credentials: same merchant ids and secret keys (keys compared after normalisation). */
function sameCredentials(plain: AnyCredentials, other: unknown): boolean {
  if (other === undefined) return false;
  const o = other as Record<string, unknown>;
  return 'mchid' in plain
    ? plain.mchid === o.mchid && plain.apiv3_key === o.apiv3_key
    : plain.app_id === o.app_id;
}

async function expectUnavailable(vault: KeyProvider, row: MerchantAccountRow): Promise<void> {
  const failure = await openCredentials(vault, row).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isPaymuxError(failure) && failure.code, row.id).toBe('credentials_unavailable');
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  const tenants = [await newTenant('Rotation A'), await newTenant('Rotation B')];
  accounts = [];
  for (const tenantId of tenants) {
    for (const provider of ['wechatpay', 'alipay'] as const) {
      accounts.push(await create(vaultA, tenantId, 'test', provider));
      accounts.push(await create(vaultA, tenantId, 'live', provider));
    }
    accounts.push(await create(vaultA, tenantId, 'test', 'alipay'));
  }
  // A deleted account keeps no envelope; rotation must leave it alone.
  const doomed = await create(vaultA, tenants[0] as string, 'test', 'alipay');
  await deleteMerchantAccount({ ctx: { db: tdb.db, actor: OPERATOR }, input: doomed });
  deletedId = doomed.id;
});
afterAll(() => tdb.close());

describe('master-key rotation of merchant credentials', () => {
  it('keeps every account usable throughout, re-wraps only the data keys, and retires the old key', async () => {
    const expected = new Map<string, AnyCredentials>();
    for (const account of accounts)
      expected.set(account.id, await openCredentials(vaultA, await load(account)));
    const before = await envelopes();
    expect(before.get(deletedId)).toEqual({ destroyed: true });
    expect(await countStale(tdb.db, vaultB)).toBe(accounts.length);
    expect(await countStale(tdb.db, vaultA)).toBe(0);

    // Two updates land mid-rotation: one from a server already on the new keyring, and
    // one from a server that has not picked it up yet (it still seals under A).
    const updatedByNew = accounts.at(-1) as Account;
    const updatedByLagging = accounts.find(
      (a) => a.provider === 'wechatpay' && a.tenantId !== updatedByNew.tenantId,
    ) as Account;
    const replacements = new Map<string, Record<string, unknown>>([
      [updatedByNew.id, await credentialsFor(updatedByNew.provider)],
      [updatedByLagging.id, await credentialsFor(updatedByLagging.provider)],
    ]);
    const update = (account: Account, vault: KeyProvider) =>
      updateMerchantAccount({
        ctx: { db: tdb.db, vault, actor: OPERATOR },
        input: {
          tenantId: account.tenantId,
          mode: account.mode,
          id: account.id,
          credentials: replacements.get(account.id),
        },
      });

    let rotating = true;
    let reads = 0;
    const readsAtProgress: number[] = [];
    const keksSeen = new Set<string>();
    const failures: string[] = [];
    const reader = (async () => {
      while (rotating) {
        for (const account of accounts) {
          const row = await load(account);
          keksSeen.add(String(row.credentials.kek));
          try {
            const plain = await openCredentials(vaultB, row);
            // An updated account may show either side of its update, never anything else.
            if (
              !sameCredentials(plain, expected.get(account.id)) &&
              !sameCredentials(plain, replacements.get(account.id))
            ) {
              failures.push(`${account.id}: unexpected credentials`);
            }
          } catch (error) {
            failures.push(`${account.id}: ${String(error)}`);
          }
          reads += 1;
        }
      }
    })();

    // Settled to their error (or null), so a failing update fails the assertions below, not the run.
    const updates: Array<Promise<unknown>> = [];
    let result: Awaited<ReturnType<typeof rewrapSecrets>>;
    let second: Awaited<ReturnType<typeof rewrapSecrets>>;
    try {
      result = await rewrapSecrets(tdb.db, vaultB, {
        batchSize: 2,
        onProgress: () => {
          readsAtProgress.push(reads);
          if (updates.length === 0) {
            for (const [account, vault] of [
              [updatedByNew, vaultB],
              [updatedByLagging, vaultA],
            ] as const) {
              updates.push(
                update(account, vault).then(
                  () => null,
                  (error: unknown) => error,
                ),
              );
            }
          }
        },
      });
      expect(await Promise.all(updates)).toEqual([null, null]);
      // The lagging server sealed under A: a re-run (as the operator would) re-wraps whatever it wrote.
      second = await rewrapSecrets(tdb.db, vaultB);
    } finally {
      rotating = false;
      await reader;
    }

    expect(failures).toEqual([]);
    expect(result.remaining).toBe(0);
    expect(result.rewrapped + second.rewrapped).toBeGreaterThanOrEqual(accounts.length - 2);
    // The reader really ran while the rotation was in progress, and saw both master keys.
    expect(readsAtProgress.length).toBeGreaterThan(2);
    expect((readsAtProgress.at(-1) ?? 0) - (readsAtProgress[0] ?? 0)).toBeGreaterThan(0);
    expect(keksSeen).toEqual(new Set([localKeyId(keyA), localKeyId(keyB)]));

    expect(await countStale(tdb.db, vaultB)).toBe(0);
    const after = await envelopes();
    expect(after.get(deletedId)).toEqual({ destroyed: true });
    const onlyB = new LocalKeyProvider([keyB]);
    const onlyA = new LocalKeyProvider([keyA]);
    for (const account of accounts) {
      const envelope = after.get(account.id) as Envelope;
      const old = before.get(account.id) as Envelope;
      expect(envelope.kek, account.id).toBe(localKeyId(keyB));
      expect(envelope.dek).not.toBe(old.dek);
      const row = await load(account);
      const plain = await openCredentials(onlyB, row);
      if (replacements.has(account.id)) {
        // The concurrent update was not clobbered by the re-wrap: its new credentials survive.
        expect(envelope.ct).not.toBe(old.ct);
        expect(sameCredentials(plain, replacements.get(account.id))).toBe(true);
        expect(sameCredentials(plain, expected.get(account.id))).toBe(false);
      } else {
        // Only the wrapped data key changed; the ciphertext is byte-for-byte the same.
        expect(envelope.ct).toBe(old.ct);
        expect(envelope.nonce).toBe(old.nonce);
        expect(plain).toEqual(expected.get(account.id));
      }
      await expectUnavailable(onlyA, row);
    }

    // Running it again is a no-op.
    const again = await rewrapSecrets(tdb.db, vaultB);
    expect(again).toEqual({ rewrapped: 0, remaining: 0 });
    expect(await envelopes()).toEqual(after);
  });

  it('refuses to rotate with a keyring that cannot unwrap the current envelopes, changing nothing', async () => {
    const before = await envelopes();
    const stranger = new LocalKeyProvider([randomBytes(32)]);
    expect(await countStale(tdb.db, stranger)).toBe(accounts.length);
    await expect(rewrapSecrets(tdb.db, stranger, { batchSize: 3 })).rejects.toThrow();
    expect(await envelopes()).toEqual(before);
  });
});
