import { type Kysely, sql } from 'kysely';

// Frozen in time. Merchant accounts gain their sealed credentials (a vault envelope),
// public fingerprints, certificate expiry, health details and soft deletion (payments
// will keep referring to a deleted account).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('merchant_accounts')
    .addColumn('credentials', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('fingerprints', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('certificate_expires_at', 'timestamptz')
    .addColumn('health_checked_at', 'timestamptz')
    .addColumn('health_detail', 'text')
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await sql`alter table merchant_accounts alter column credentials drop default`.execute(db);
  await sql`
    alter table merchant_accounts add constraint merchant_accounts_health_check
    check (health in ('unverified', 'ok', 'invalid_credentials', 'unreachable', 'certificate_expiring'))
  `.execute(db);
  // A deleted account cannot stay the default.
  await sql`drop index merchant_accounts_one_default_idx`.execute(db);
  await sql`
    create unique index merchant_accounts_one_default_idx
    on merchant_accounts (tenant_id, mode, provider) where is_default and deleted_at is null
  `.execute(db);
  // Master-key rotation re-wraps every envelope through the system path.
  await sql`grant update (credentials) on merchant_accounts to paymux_system`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`revoke update (credentials) on merchant_accounts from paymux_system`.execute(db);
  await sql`drop index merchant_accounts_one_default_idx`.execute(db);
  await sql`
    create unique index merchant_accounts_one_default_idx
    on merchant_accounts (tenant_id, mode, provider) where is_default
  `.execute(db);
  await sql`alter table merchant_accounts drop constraint merchant_accounts_health_check`.execute(db);
  await db.schema
    .alterTable('merchant_accounts')
    .dropColumn('credentials')
    .dropColumn('fingerprints')
    .dropColumn('certificate_expires_at')
    .dropColumn('health_checked_at')
    .dropColumn('health_detail')
    .dropColumn('deleted_at')
    .execute();
}
