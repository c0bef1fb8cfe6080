import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystem, withTenant } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let tdb: TestDatabase;
const A = 'tnt_01aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'tnt_01bbbbbbbbbbbbbbbbbbbbbbbb';
const keyOf = (tenant: string) => `key_${tenant.slice(4)}`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await withSystem(tdb.db, 'test-fixture', async (trx) => {
    await trx
      .insertInto('tenants')
      .values([
        { id: A, name: 'Tenant A' },
        { id: B, name: 'Tenant B' },
      ])
      .execute();
  });
  for (const tenant of [A, B]) {
    await withTenant(tdb.db, tenant, (trx) =>
      trx
        .insertInto('api_keys')
        .values({
          tenant_id: tenant,
          id: keyOf(tenant),
          name: 'k',
          mode: 'test',
          alg: 'ES256',
          public_jwk: JSON.stringify({ kty: 'EC' }),
          thumbprint: 't',
          scopes: ['payments:read'],
        })
        .execute(),
    );
  }
});
afterAll(() => tdb.close());

describe('row-level security', () => {
  it('shows no rows to a query with no tenant context', async () => {
    const keys = await tdb.db.selectFrom('api_keys').selectAll().execute();
    const tenants = await tdb.db.selectFrom('tenants').selectAll().execute();
    expect(keys).toEqual([]);
    expect(tenants).toEqual([]);
    // Same inside a transaction that never set a tenant.
    const inTx = await tdb.db
      .transaction()
      .execute((trx) => trx.selectFrom('api_keys').selectAll().execute());
    expect(inTx).toEqual([]);
  });

  it('shows a tenant only its own rows', async () => {
    const seen = await withTenant(tdb.db, A, (trx) =>
      trx.selectFrom('api_keys').select('tenant_id').execute(),
    );
    expect(seen).toEqual([{ tenant_id: A }]);
    const tenants = await withTenant(tdb.db, A, (trx) => trx.selectFrom('tenants').select('id').execute());
    expect(tenants).toEqual([{ id: A }]);
  });

  it("does not let tenant A update or delete tenant B's rows", async () => {
    const updated = await withTenant(tdb.db, A, (trx) =>
      trx.updateTable('api_keys').set({ name: 'hijacked' }).where('id', '=', keyOf(B)).executeTakeFirst(),
    );
    expect(updated.numUpdatedRows).toBe(0n);
    const deleted = await withTenant(tdb.db, A, (trx) =>
      trx.deleteFrom('api_keys').where('tenant_id', '=', B).executeTakeFirst(),
    );
    expect(deleted.numDeletedRows).toBe(0n);
    const bRow = await tdb.owner
      .selectFrom('api_keys')
      .select('name')
      .where('id', '=', keyOf(B))
      .executeTakeFirst();
    expect(bRow).toEqual({ name: 'k' });
  });

  it('rejects tenant A writing a row into tenant B', async () => {
    await expect(
      withTenant(tdb.db, A, (trx) =>
        trx
          .insertInto('audit_log')
          .values({
            tenant_id: B,
            id: 'aud_01cccccccccccccccccccccccc',
            actor_type: 'system',
            action: 'x',
            target_type: 'x',
            target_id: 'x',
            data: '{}',
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('forgets the tenant when the transaction ends', async () => {
    await withTenant(tdb.db, A, async () => {});
    const after = await tdb.db.selectFrom('api_keys').selectAll().execute();
    expect(after).toEqual([]);
  });

  it('keeps the audit log append-only for the app role', async () => {
    await withTenant(tdb.db, A, (trx) =>
      trx
        .insertInto('audit_log')
        .values({
          tenant_id: A,
          id: 'aud_01dddddddddddddddddddddddd',
          actor_type: 'system',
          action: 'test',
          target_type: 'tenant',
          target_id: A,
          data: '{}',
        })
        .execute(),
    );
    await expect(withTenant(tdb.db, A, (trx) => trx.deleteFrom('audit_log').execute())).rejects.toThrow(
      /permission denied/,
    );
  });
});

describe('roles', () => {
  it('starts every app-pool connection as paymux_app, even outside a tenant transaction', async () => {
    const r = await sql<{ current_user: string }>`select current_user`.execute(tdb.db);
    expect(r.rows).toEqual([{ current_user: 'paymux_app' }]);
  });

  it('runs tenant work as a role that is neither owner, superuser nor BYPASSRLS', async () => {
    const row = await withTenant(tdb.db, A, async (trx) => {
      const r = await sql<{ current_user: string; rolsuper: boolean; rolbypassrls: boolean }>`
        select current_user, r.rolsuper, r.rolbypassrls from pg_roles r where r.rolname = current_user
      `.execute(trx);
      return r.rows[0];
    });
    expect(row).toEqual({ current_user: 'paymux_app', rolsuper: false, rolbypassrls: false });
    const owners = await sql<{ tableowner: string }>`
      select distinct tableowner from pg_tables where schemaname = 'public'
    `.execute(tdb.owner);
    expect(owners.rows.map((r) => r.tableowner)).not.toContain('paymux_app');
    expect(owners.rows.map((r) => r.tableowner)).not.toContain('paymux_system');
  });

  it('keeps the system role non-superuser and non-BYPASSRLS too', async () => {
    const rows = await sql<{
      rolname: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcanlogin: boolean;
    }>`
      select rolname, rolsuper, rolbypassrls, rolcanlogin from pg_roles
      where rolname in ('paymux_app', 'paymux_system') order by rolname
    `.execute(tdb.owner);
    expect(rows.rows).toEqual([
      { rolname: 'paymux_app', rolsuper: false, rolbypassrls: false, rolcanlogin: false },
      { rolname: 'paymux_system', rolsuper: false, rolbypassrls: false, rolcanlogin: false },
    ]);
  });
});

describe('catalog', () => {
  it('enables and forces row security on every table with a tenant_id column', async () => {
    const rows = await sql<{ table_name: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
      select c.relname as table_name, c.relrowsecurity, c.relforcerowsecurity
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and (exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
             or c.relname = 'tenants')
      order by 1
    `.execute(tdb.owner);
    expect(rows.rows.length).toBeGreaterThanOrEqual(5);
    for (const row of rows.rows) {
      expect(row, row.table_name).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    }
  });

  it('puts tenant_id first in the primary key and in every unique index of tenant tables', async () => {
    const rows = await sql<{ table_name: string; index_name: string; first_column: string }>`
      select t.relname as table_name, i.relname as index_name, a.attname as first_column
      from pg_index x
      join pg_class t on t.oid = x.indrelid
      join pg_class i on i.oid = x.indexrelid
      join pg_namespace n on n.oid = t.relnamespace
      join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
      where n.nspname = 'public' and x.indisunique
        and exists (select 1 from pg_attribute c where c.attrelid = t.oid and c.attname = 'tenant_id')
    `.execute(tdb.owner);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows) expect(row.first_column, row.index_name).toBe('tenant_id');
  });
});
