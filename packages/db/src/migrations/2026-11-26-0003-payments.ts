import { type Kysely, sql } from 'kysely';

// Frozen in time. Payments, refunds and idempotency keys: tenant-owned, tenant_id first
// in every key, row-level security forced like every tenant table.

const CHANNELS = [
  'wechat.native',
  'wechat.jsapi',
  'wechat.h5',
  'wechat.app',
  'alipay.qr',
  'alipay.page',
  'alipay.wap',
  'alipay.app',
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('payments')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^pay_[0-9a-z]{26}$'`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('merchant_account_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('wechatpay', 'alipay')`))
    .addColumn('channel', 'text', (c) =>
      c.notNull().check(sql`channel in (${sql.join(CHANNELS.map((ch) => sql.lit(ch)))})`),
    )
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency = 'CNY'`))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('merchant_order_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('requires_payment', 'succeeded', 'closed', 'failed')`),
    )
    // Succeeded at the provider after Paymux had closed it (time ran out first).
    .addColumn('late', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('next_action', 'jsonb')
    .addColumn('provider_reference', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('provider_transaction_id', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('payer_openid', 'text')
    .addColumn('client_ip', 'text')
    .addColumn('return_url', 'text')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('amount_refunded', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`amount_refunded >= 0`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paid_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('payments_pkey', ['tenant_id', 'id'])
    .addUniqueConstraint('payments_merchant_order_id_key', ['tenant_id', 'mode', 'merchant_order_id'])
    .addForeignKeyConstraint(
      'payments_merchant_account_fkey',
      ['tenant_id', 'merchant_account_id'],
      'merchant_accounts',
      ['tenant_id', 'id'],
    )
    .addCheckConstraint('payments_refund_bound', sql`amount_refunded <= amount`)
    .execute();
  await db.schema
    .createIndex('payments_list_idx')
    .on('payments')
    .columns(['tenant_id', 'mode', 'id'])
    .execute();
  // The sync/expiry jobs look for pending payments across tenants by expiry.
  await sql`create index payments_pending_idx on payments (expires_at) where status = 'requires_payment'`.execute(
    db,
  );
  await db.schema.createIndex('payments_id_idx').on('payments').column('id').execute();

  await db.schema
    .createTable('refunds')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^rfd_[0-9a-z]{26}$'`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('merchant_account_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency = 'CNY'`))
    .addColumn('reason', 'text')
    .addColumn('merchant_refund_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'succeeded', 'failed')`))
    .addColumn('provider_refund_id', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('succeeded_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('refunds_pkey', ['tenant_id', 'id'])
    .addForeignKeyConstraint('refunds_payment_fkey', ['tenant_id', 'payment_id'], 'payments', [
      'tenant_id',
      'id',
    ])
    .execute();
  await sql`
    create unique index refunds_merchant_refund_id_key on refunds (tenant_id, mode, merchant_refund_id)
    where merchant_refund_id is not null
  `.execute(db);
  await db.schema
    .createIndex('refunds_payment_idx')
    .on('refunds')
    .columns(['tenant_id', 'payment_id'])
    .execute();
  await db.schema
    .createIndex('refunds_list_idx')
    .on('refunds')
    .columns(['tenant_id', 'mode', 'id'])
    .execute();
  await sql`create index refunds_pending_idx on refunds (created_at) where status = 'pending'`.execute(db);

  // Idempotency-Key records: the first response to a key, replayed for 24 h at least.
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('key', 'text', (c) => c.notNull().check(sql`length(key) between 1 and 255`))
    .addColumn('request_method', 'text', (c) => c.notNull())
    .addColumn('request_path', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('in_progress', 'completed')`))
    // An in-progress claim whose process died is taken over after this.
    .addColumn('locked_until', 'timestamptz')
    .addColumn('response_status', 'integer')
    .addColumn('response_headers', 'jsonb')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['tenant_id', 'mode', 'key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_created_idx')
    .on('idempotency_keys')
    .column('created_at')
    .execute();

  for (const table of ['payments', 'refunds', 'idempotency_keys']) {
    const t = sql.table(table);
    await sql`alter table ${t} enable row level security`.execute(db);
    await sql`alter table ${t} force row level security`.execute(db);
    await sql`create policy tenant_isolation on ${t} to paymux_app using (tenant_id = paymux_current_tenant()) with check (tenant_id = paymux_current_tenant())`.execute(
      db,
    );
    await sql`create policy system_access on ${t} to paymux_system using (true) with check (true)`.execute(
      db,
    );
    await sql`grant select, insert, update on ${t} to paymux_app`.execute(db);
  }
  await sql`grant delete on idempotency_keys to paymux_app`.execute(db);
  // Workers (sync, expiry) find due payments and refunds across tenants; pruning drops old keys.
  await sql`grant select on payments, refunds to paymux_system`.execute(db);
  await sql`grant select, delete on idempotency_keys to paymux_system`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['idempotency_keys', 'refunds', 'payments']) await db.schema.dropTable(table).execute();
}
