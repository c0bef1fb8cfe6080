import { type Kysely, sql } from 'kysely';

// Frozen in time. Master-key rotation (`paymux master-key rotate`, on the system path)
// re-wraps the data keys of sealed Idempotency-Key replay copies too (responses that show a
// webhook signing secret once). It needs to rewrite that one column and nothing else.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`grant update (response_body) on idempotency_keys to paymux_system`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`revoke update (response_body) on idempotency_keys from paymux_system`.execute(db);
}
