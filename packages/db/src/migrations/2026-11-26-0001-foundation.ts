import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code and never changes once
// released. Later schema changes are new migration files.

const TENANT_TABLES = ['memberships', 'api_keys', 'merchant_accounts', 'audit_log'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  // Roles are cluster-wide. `paymux_app` runs all tenant work; `paymux_system` runs the
  // few reviewed cross-tenant lookups (see docs/adr/0003-row-level-security.md).
  // Neither can log in; the connecting user switches to them with SET ROLE.
  // Created only when missing, so an operator may pre-create them and run Paymux as a
  // user without CREATEROLE; concurrent first migrations in one cluster are tolerated.
  await sql`
    do $$
    declare
      r text;
    begin
      foreach r in array array['paymux_app', 'paymux_system'] loop
        if not exists (select 1 from pg_roles where rolname = r) then
          begin
            execute format('create role %I nologin nosuperuser nobypassrls noinherit', r);
          exception when duplicate_object or unique_violation then null;
          end;
        end if;
      end loop;
    end
    $$
  `.execute(db);
  await sql`grant paymux_app, paymux_system to current_user`.execute(db).catch(async (error: unknown) => {
    // PostgreSQL 16+ reports an existing grant as a notice; older versions may error.
    if (!String(error).includes('already')) throw error;
  });
  await sql`grant usage on schema public to paymux_app, paymux_system`.execute(db);

  // NULLIF turns the "unset" transaction-local value ('' after the transaction that set it
  // ended) into NULL, so a query with no tenant context matches no row at all.
  await sql`
    create function paymux_current_tenant() returns text
    language sql stable parallel safe
    as $$ select nullif(current_setting('app.tenant_id', true), '') $$
  `.execute(db);

  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^tnt_[0-9a-z]{26}$'`))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`length(name) between 1 and 200`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Users are global (one login may belong to several tenants); memberships carry the tenant.
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^usr_[0-9a-z]{26}$'`))
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email) and length(email) <= 320`))
    .addColumn('name', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('users_email_key', ['email'])
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role in ('owner', 'admin', 'developer', 'viewer')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('memberships_pkey', ['tenant_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user_id_idx').on('memberships').column('user_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^key_[0-9a-z]{26}$'`))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`length(name) between 1 and 200`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('alg', 'text', (c) => c.notNull().check(sql`alg in ('ES256', 'EdDSA')`))
    .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
    .addColumn('thumbprint', 'text', (c) => c.notNull())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addPrimaryKeyConstraint('api_keys_pkey', ['tenant_id', 'id'])
    .execute();
  // JWT verification looks a key up by kid alone (through the system path).
  await db.schema.createIndex('api_keys_id_idx').on('api_keys').column('id').execute();

  await db.schema
    .createTable('merchant_accounts')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^mca_[0-9a-z]{26}$'`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('wechatpay', 'alipay')`))
    .addColumn('display_name', 'text', (c) => c.notNull().check(sql`length(display_name) between 1 and 200`))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('active').check(sql`status in ('active', 'disabled')`),
    )
    .addColumn('health', 'text', (c) => c.notNull().defaultTo('unverified'))
    .addColumn('identifiers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('merchant_accounts_pkey', ['tenant_id', 'id'])
    .execute();
  await sql`
    create unique index merchant_accounts_one_default_idx
    on merchant_accounts (tenant_id, mode, provider) where is_default
  `.execute(db);
  await db.schema.createIndex('merchant_accounts_id_idx').on('merchant_accounts').column('id').execute();

  // Append-only: the app role may insert and read, never update or delete.
  await db.schema
    .createTable('audit_log')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^aud_[0-9a-z]{26}$'`))
    .addColumn('actor_type', 'text', (c) =>
      c.notNull().check(sql`actor_type in ('user', 'api_key', 'operator', 'system')`),
    )
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('request_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('audit_log_pkey', ['tenant_id', 'id'])
    .execute();

  // Row-level security, enabled and FORCEd so even the table owner is filtered.
  await enableRls(db, 'tenants', sql`id = paymux_current_tenant()`);
  for (const table of TENANT_TABLES) {
    await enableRls(db, table, sql`tenant_id = paymux_current_tenant()`);
  }
  await enableRls(
    db,
    'users',
    sql`exists (select 1 from memberships m where m.user_id = users.id and m.tenant_id = paymux_current_tenant())`,
  );

  await sql`grant select, insert, update, delete on tenants, users, memberships, api_keys, merchant_accounts to paymux_app`.execute(
    db,
  );
  await sql`grant select, insert on audit_log to paymux_app`.execute(db);
  // The system role: key lookup by kid (and last_used_at), routing lookups, tenant sign-up.
  await sql`grant select, insert on tenants, users, memberships to paymux_system`.execute(db);
  await sql`grant select, update (last_used_at) on api_keys to paymux_system`.execute(db);
  await sql`grant select on merchant_accounts to paymux_system`.execute(db);
  await sql`grant insert on audit_log to paymux_system`.execute(db);
  await sql`grant select on kysely_migration to paymux_system`.execute(db);
}

async function enableRls(db: Kysely<any>, table: string, predicate: ReturnType<typeof sql>): Promise<void> {
  const t = sql.table(table);
  await sql`alter table ${t} enable row level security`.execute(db);
  await sql`alter table ${t} force row level security`.execute(db);
  await sql`create policy tenant_isolation on ${t} to paymux_app using (${predicate}) with check (${predicate})`.execute(
    db,
  );
  await sql`create policy system_access on ${t} to paymux_system using (true) with check (true)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // The users policy reads memberships; drop it before the tables.
  await sql`drop policy tenant_isolation on users`.execute(db);
  for (const table of ['audit_log', 'merchant_accounts', 'api_keys', 'memberships', 'users', 'tenants']) {
    await db.schema.dropTable(table).execute();
  }
  await sql`drop function paymux_current_tenant()`.execute(db);
  await sql`revoke usage on schema public from paymux_app, paymux_system`.execute(db);
  // The roles are cluster-wide and may serve other databases; they are left in place.
}
