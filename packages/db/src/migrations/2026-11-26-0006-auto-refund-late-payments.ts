import { type Kysely, sql } from 'kysely';

// Frozen in time. A tenant setting: automatically refund a payment that succeeded at the
// provider after Paymux had closed (or failed) it. Off by default. Its job queue.

const QUEUE_OPTIONS = {
  policy: 'standard',
  retryLimit: 8,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 600,
  expireInSeconds: 60,
  heartbeatSeconds: 10,
};

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tenants')
    .addColumn('auto_refund_late_payments', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`select pgboss.create_queue('payment.auto_refund', ${JSON.stringify(QUEUE_OPTIONS)}::jsonb)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from pgboss.job where name = 'payment.auto_refund'`.execute(db);
  await sql`delete from pgboss.queue where name = 'payment.auto_refund'`.execute(db);
  await db.schema.alterTable('tenants').dropColumn('auto_refund_late_payments').execute();
}
