import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystem, withTenant } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

// The one cross-tenant read the app role may make outside withSystem (migration 0008):
// one merchant account by its id, for routing a provider notification.

let tdb: TestDatabase;
const A = 'tnt_01aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'tnt_01bbbbbbbbbbbbbbbbbbbbbbbb';
const accountOf = (tenant: string) => `mca_${tenant.slice(4)}`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await withSystem(tdb.db, 'test-fixture', (trx) =>
    trx
      .insertInto('tenants')
      .values([
        { id: A, name: 'A' },
        { id: B, name: 'B' },
      ])
      .execute(),
  );
  for (const tenant of [A, B]) {
    await withTenant(tdb.db, tenant, (trx) =>
      trx
        .insertInto('merchant_accounts')
        .values({
          tenant_id: tenant,
          id: accountOf(tenant),
          mode: 'test',
          provider: 'alipay',
          display_name: 'Shop',
          identifiers: JSON.stringify({ app_id: '2021' }),
          credentials: JSON.stringify({}),
          fingerprints: JSON.stringify({}),
        })
        .execute(),
    );
  }
});
afterAll(() => tdb.close());

const route = (id: string) =>
  sql<{
    id: string;
    tenant_id: string;
  }>`select id, tenant_id from paymux_route_merchant_account(${id})`.execute(tdb.db);

describe('paymux_route_merchant_account', () => {
  it('gives the app role, with no tenant set, exactly the account it names', async () => {
    expect((await route(accountOf(A))).rows).toEqual([{ id: accountOf(A), tenant_id: A }]);
    expect((await route(accountOf(B))).rows).toEqual([{ id: accountOf(B), tenant_id: B }]);
    expect((await route('mca_01cccccccccccccccccccccccc')).rows).toEqual([]);
    // The same role still sees no merchant account by querying the table.
    expect(await tdb.db.selectFrom('merchant_accounts').select('id').execute()).toEqual([]);
  });

  it('cannot be turned into a listing: no pattern, no null, no injection', async () => {
    for (const probe of ['%', 'mca_%', '', "' or true --"]) expect((await route(probe)).rows).toEqual([]);
    const nulls = await sql`select id from paymux_route_merchant_account(null)`.execute(tdb.db);
    expect(nulls.rows).toEqual([]);
  });

  it('runs as paymux_system with a pinned search_path, and only the app role may call it', async () => {
    const fn = await sql<{ owner: string; secdef: boolean; config: string[] | null; acl: string }>`
      select pg_get_userbyid(p.proowner) as owner, p.prosecdef as secdef, p.proconfig as config, p.proacl::text as acl
      from pg_proc p where p.proname = 'paymux_route_merchant_account'
    `.execute(tdb.owner);
    expect(fn.rows).toHaveLength(1);
    const [row] = fn.rows;
    expect(row?.owner).toBe('paymux_system');
    expect(row?.secdef).toBe(true);
    expect(row?.config).toEqual(['search_path=public, pg_temp']);
    // No PUBLIC entry ("=X/…"): only paymux_app (and the owner) may execute it.
    expect(row?.acl).not.toMatch(/(^|[{,])=X/);
    expect(row?.acl).toContain('paymux_app=X/');
  });
});
