import { type Kysely, sql } from 'kysely';

// Frozen in time. Routing a provider notification to its merchant account, in one
// statement: a SECURITY DEFINER function owned by paymux_system (whose policy sees every
// merchant account) that the app role may call with one account id. It returns exactly
// what the system path's routing query returned (the account row, credentials sealed),
// without a transaction of its own: two round trips less per notification
// (docs/adr/0003-row-level-security.md).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function paymux_route_merchant_account(account_id text)
    returns setof merchant_accounts
    language sql stable security definer
    set search_path = public, pg_temp
    as $$ select * from merchant_accounts where id = account_id $$
  `.execute(db);
  // A new owner needs CREATE on the schema at the moment of the change, and only then: a
  // schema owner who is not a superuser (a managed PostgreSQL) grants it for this statement.
  await sql`grant create on schema public to paymux_system`.execute(db);
  await sql`alter function paymux_route_merchant_account(text) owner to paymux_system`.execute(db);
  await sql`revoke create on schema public from paymux_system`.execute(db);
  await sql`revoke all on function paymux_route_merchant_account(text) from public`.execute(db);
  await sql`grant execute on function paymux_route_merchant_account(text) to paymux_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function paymux_route_merchant_account(text)`.execute(db);
}
