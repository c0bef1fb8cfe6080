import { type Kysely, sql } from 'kysely';

// Frozen in time. The immutable event log, the raw provider notifications (verified or
// rejected), and a payment timeline of provider activity (queries, calls).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^evt_[0-9a-z]{26}$'`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    // A snapshot of the object at the moment of the event.
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('events_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('events_list_idx').on('events').columns(['tenant_id', 'mode', 'id']).execute();
  await db.schema.createIndex('events_object_idx').on('events').columns(['tenant_id', 'object_id']).execute();

  await db.schema
    .createTable('provider_notifications')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^ntf_[0-9a-z]{26}$'`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('merchant_account_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_notification_id', 'text')
    .addColumn('payment_id', 'text')
    .addColumn('refund_id', 'text')
    // applied: changed state; duplicate: verified, nothing to change; rejected: failed verification or checks.
    .addColumn('outcome', 'text', (c) =>
      c.notNull().check(sql`outcome in ('applied', 'duplicate', 'rejected')`),
    )
    .addColumn('reason', 'text')
    .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('provider_notifications_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('provider_notifications_payment_idx')
    .on('provider_notifications')
    .columns(['tenant_id', 'payment_id'])
    .execute();

  await db.schema
    .createTable('payment_activity')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('refund_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('query', 'close', 'refund')`))
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('payment_activity_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('payment_activity_payment_idx')
    .on('payment_activity')
    .columns(['tenant_id', 'payment_id'])
    .execute();

  for (const table of ['events', 'provider_notifications', 'payment_activity']) {
    const t = sql.table(table);
    await sql`alter table ${t} enable row level security`.execute(db);
    await sql`alter table ${t} force row level security`.execute(db);
    await sql`create policy tenant_isolation on ${t} to paymux_app using (tenant_id = paymux_current_tenant()) with check (tenant_id = paymux_current_tenant())`.execute(
      db,
    );
    await sql`create policy system_access on ${t} to paymux_system using (true) with check (true)`.execute(
      db,
    );
    // Immutable logs: insert and read, never update or delete.
    await sql`grant select, insert on ${t} to paymux_app`.execute(db);
  }
  await sql`grant select on events, provider_notifications to paymux_system`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['payment_activity', 'provider_notifications', 'events'])
    await db.schema.dropTable(table).execute();
}
