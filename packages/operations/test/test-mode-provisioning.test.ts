import { randomBytes } from 'node:crypto';
import { isPaymuxError } from '@paymux/core';
import { sandboxEndpoints } from '@paymux/providers';
import { LocalKeyProvider } from '@paymux/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SandboxServer,
  startSandboxServer,
} from '../../../services/sandbox/test/support/sandbox-server.ts';
import { createTenant, httpSandboxProvisioner, OPERATOR, verifyMerchantAccount } from '../src/index.ts';

let server: SandboxServer;
const vault = new LocalKeyProvider([randomBytes(32)]);

beforeAll(async () => {
  // The sandbox server brings its own test database; the platform tables live there too.
  server = await startSandboxServer();
}, 60_000);
afterAll(() => server.close());

describe('sign-up with test mode', () => {
  it('gives a new tenant default test-mode WeChat Pay and Alipay accounts on the sandbox that verify', async () => {
    const db = server.tdb.db;
    const created = await createTenant({
      ctx: {
        db,
        actor: OPERATOR,
        testMode: { sandbox: httpSandboxProvisioner({ sandboxUrl: server.sandboxUrl }), vault },
      },
      input: { name: 'Test mode shop', email: 'testmode@example.com', password: 'correct horse battery' },
    });
    expect(created.testAccounts.map((a) => [a.provider, a.livemode, a.is_default]).sort()).toEqual([
      ['alipay', false, true],
      ['wechatpay', false, true],
    ]);
    // The sandbox knows these merchants: a real signed call with the sealed credentials succeeds.
    for (const account of created.testAccounts) {
      const verified = await verifyMerchantAccount({
        ctx: {
          db,
          vault,
          endpoints: {
            live: sandboxEndpoints('http://127.0.0.1:9/none'),
            test: sandboxEndpoints(server.sandboxUrl),
          },
          actor: OPERATOR,
        },
        input: { tenantId: created.tenant.id, mode: 'test', id: account.id },
      });
      expect(verified.health, account.provider).toBe('ok');
    }
    // Stored like live credentials: sealed, never in clear.
    const rows = await server.tdb.owner
      .selectFrom('merchant_accounts')
      .select(['credentials', 'mode'])
      .execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.mode).toBe('test');
      expect(Object.keys(row.credentials).sort()).toEqual(['ct', 'dek', 'kek', 'nonce', 'v']);
    }
  });

  it('writes nothing when the sandbox cannot be reached (sign-up is all or nothing)', async () => {
    const before = await server.tdb.owner.selectFrom('tenants').select('id').execute();
    let thrown: unknown;
    try {
      await createTenant({
        ctx: {
          db: server.tdb.db,
          actor: OPERATOR,
          testMode: {
            sandbox: httpSandboxProvisioner({ sandboxUrl: 'http://127.0.0.1:9/sandbox', timeoutMs: 2_000 }),
            vault,
          },
        },
        input: { name: 'Unlucky', email: 'unlucky@example.com', password: 'correct horse battery' },
      });
    } catch (error) {
      thrown = error;
    }
    expect(isPaymuxError(thrown) && thrown.code).toBe('service_unavailable');
    expect(await server.tdb.owner.selectFrom('tenants').select('id').execute()).toEqual(before);
    expect(
      await server.tdb.owner
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'unlucky@example.com')
        .execute(),
    ).toEqual([]);
  });
});
