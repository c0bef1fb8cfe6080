import { randomBytes } from 'node:crypto';
import { withTenant } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { sandboxEndpoints } from '@paymux/providers';
import { testWechatpayCredentials } from '@paymux/providers/testing';
import { LocalKeyProvider } from '@paymux/vault';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CredentialCache,
  createMerchantAccount,
  createTenant,
  findMerchantAccount,
  OPERATOR,
  providerForAccount,
} from '../src/index.ts';

const vault = new LocalKeyProvider([randomBytes(32)]);
const endpoints = {
  live: sandboxEndpoints('http://127.0.0.1:9/a'),
  test: sandboxEndpoints('http://127.0.0.1:9/b'),
};
let tdb: TestDatabase;
let tenantId: string;
let accountId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  const { tenant } = await createTenant({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: {
      name: 'Adapters',
      email: `adapters-${Date.now()}@example.com`,
      password: 'correct horse battery',
    },
  });
  tenantId = tenant.id;
  const account = await createMerchantAccount({
    ctx: { db: tdb.db, vault, actor: OPERATOR },
    input: {
      tenantId,
      mode: 'test',
      provider: 'wechatpay',
      display_name: 'adapters',
      credentials: { ...(await testWechatpayCredentials()) },
    },
  });
  accountId = account.id;
});
afterAll(async () => {
  await tdb.close();
});

const load = () =>
  withTenant(tdb.db, tenantId, (trx) => findMerchantAccount(trx, { tenantId, mode: 'test' }, accountId));

describe('providerForAccount', () => {
  it('reuses the adapter built from cached credentials until the account changes', async () => {
    const credentialCache = new CredentialCache();
    const ctx = { vault, endpoints, credentialCache };
    const first = await providerForAccount(ctx, await load());
    expect(await providerForAccount(ctx, await load())).toBe(first);
    // Other settings (a provider timeout) shape another adapter.
    expect(await providerForAccount({ ...ctx, providerTimeoutMs: 1234 }, await load())).not.toBe(first);

    // Any change to the account (here its updated_at) is a new credentials version: a new adapter.
    await sql`update merchant_accounts set updated_at = now() + interval '1 second' where id = ${accountId}`.execute(
      tdb.owner,
    );
    const after = await providerForAccount(ctx, await load());
    expect(after).not.toBe(first);
    expect(await providerForAccount(ctx, await load())).toBe(after);
  });

  it('builds a fresh adapter without a credential cache, or with a caller-supplied clock', async () => {
    const row = await load();
    const plain = { vault, endpoints };
    expect(await providerForAccount(plain, row)).not.toBe(await providerForAccount(plain, row));
    const clocked = { vault, endpoints, credentialCache: new CredentialCache(), now: () => new Date() };
    expect(await providerForAccount(clocked, row)).not.toBe(await providerForAccount(clocked, row));
  });
});
