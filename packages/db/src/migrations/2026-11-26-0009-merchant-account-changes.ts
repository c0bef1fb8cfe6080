import { type Kysely, sql } from 'kysely';

// Frozen in time. Every committed change to a merchant account (credentials, status,
// deletion) NOTIFYs `paymux_merchant_account_changed` with the account id, so processes
// that keep routed accounts in memory (notification ingest) evict them at once. A trigger
// rather than a call in each operation: no writer, present or future, can forget it.
// NOTIFY is transactional: nothing is sent for a change that rolls back.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function paymux_notify_merchant_account_changed() returns trigger
    language plpgsql
    set search_path = public, pg_temp
    as $$
    begin
      perform pg_notify('paymux_merchant_account_changed', old.id);
      return null;
    end
    $$
  `.execute(db);
  await sql`
    create trigger merchant_account_changed
    after update or delete on merchant_accounts
    for each row execute function paymux_notify_merchant_account_changed()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger merchant_account_changed on merchant_accounts`.execute(db);
  await sql`drop function paymux_notify_merchant_account_changed()`.execute(db);
}
