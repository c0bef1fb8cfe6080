import { type Kysely, sql } from 'kysely';

// Frozen in time. Finished webhook deliveries (and, by their foreign key's cascade, their
// attempt logs) are pruned once past their retention, by every worker on the system path.
// That path may delete deliveries and nothing else of the webhook tables; the partial index
// finds the finished ones by age without reading the pending.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`grant delete on webhook_deliveries to paymux_system`.execute(db);
  await sql`create index webhook_deliveries_finished_idx on webhook_deliveries (updated_at) where status <> 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index webhook_deliveries_finished_idx`.execute(db);
  await sql`revoke delete on webhook_deliveries from paymux_system`.execute(db);
}
