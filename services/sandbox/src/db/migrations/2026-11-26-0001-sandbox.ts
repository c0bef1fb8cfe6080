import { type Kysely, sql } from 'kysely';

// Frozen in time. The sandbox plays the providers: its state lives in its own schema
// and shares nothing with the platform's tables.

export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('sandbox');

  // WeChat Pay merchants: what WeChat knows about a merchant (its certificate and public
  // key, never its private key) and WeChat's own platform keys for that merchant.
  await s
    .createTable('wechat_merchants')
    .addColumn('mchid', 'text', (c) => c.primaryKey())
    .addColumn('appid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('apiv3_key', 'text', (c) => c.notNull())
    .addColumn('merchant_certificate', 'text', (c) => c.notNull())
    .addColumn('merchant_serial_no', 'text', (c) => c.notNull())
    .addColumn('wechatpay_private_key', 'text', (c) => c.notNull())
    .addColumn('wechatpay_public_key', 'text', (c) => c.notNull())
    .addColumn('wechatpay_public_key_id', 'text', (c) => c.notNull())
    .addColumn('platform_private_key', 'text', (c) => c.notNull())
    .addColumn('platform_certificate', 'text', (c) => c.notNull())
    .addColumn('platform_serial_no', 'text', (c) => c.notNull())
    // 'public_key' signs responses and notifications with the WeChat Pay public key
    // (Wechatpay-Serial: PUB_KEY_ID_…); 'platform_certificate' with the platform certificate.
    .addColumn('verification_mode', 'text', (c) =>
      c
        .notNull()
        .defaultTo('public_key')
        .check(sql`verification_mode in ('public_key', 'platform_certificate')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await s
    .createTable('alipay_apps')
    .addColumn('app_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('seller_id', 'text', (c) => c.notNull())
    .addColumn('app_public_key', 'text', (c) => c.notNull())
    .addColumn('alipay_private_key', 'text', (c) => c.notNull())
    .addColumn('alipay_public_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // One row per order at either provider. `merchant` is the mchid or app_id.
  await s
    .createTable('orders')
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('wechatpay', 'alipay')`))
    .addColumn('merchant', 'text', (c) => c.notNull())
    .addColumn('out_trade_no', 'text', (c) => c.notNull())
    .addColumn('trade_no', 'text', (c) => c.notNull().unique())
    .addColumn('trade_type', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('CNY'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('notify_url', 'text')
    .addColumn('return_url', 'text')
    .addColumn('attach', 'text')
    .addColumn('payer', 'text')
    // Hash of the creating request's business parameters: the same out_trade_no with the
    // same parameters is idempotent, with different ones it is rejected.
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'paid', 'closed', 'failed')`),
    )
    // Alipay precreate orders do not exist at Alipay until the QR code is scanned.
    .addColumn('scanned', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('pay_token', 'text', (c) => c.notNull().unique())
    .addColumn('time_expire', 'timestamptz', (c) => c.notNull())
    .addColumn('paid_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('refunded', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('withhold_notifications', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('extra', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('orders_pkey', ['provider', 'merchant', 'out_trade_no'])
    .execute();

  await s
    .createTable('refunds')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('merchant', 'text', (c) => c.notNull())
    .addColumn('out_refund_no', 'text', (c) => c.notNull())
    .addColumn('out_trade_no', 'text', (c) => c.notNull())
    .addColumn('refund_id', 'text', (c) => c.notNull().unique())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('reason', 'text')
    .addColumn('notify_url', 'text')
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('processing')
        .check(sql`status in ('processing', 'success', 'abnormal', 'closed')`),
    )
    .addColumn('succeeded_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('refunds_pkey', ['provider', 'merchant', 'out_refund_no'])
    .addForeignKeyConstraint('refunds_order_fkey', ['provider', 'merchant', 'out_trade_no'], 'orders', [
      'provider',
      'merchant',
      'out_trade_no',
    ])
    .execute();

  // Outgoing notifications and every attempt to deliver them.
  await s
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('merchant', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('transaction', 'refund', 'probe')`))
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'delivered', 'exhausted', 'withheld')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Set while a dispatcher holds the notification; a crashed dispatcher's lease expires.
    .addColumn('leased_until', 'timestamptz')
    .addColumn('signtest', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .execute();
  await s
    .createIndex('notifications_due_idx')
    .on('notifications')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await s
    .createIndex('notifications_ref_idx')
    .on('notifications')
    .columns(['provider', 'merchant', 'ref'])
    .execute();

  await s
    .createTable('notification_attempts')
    .addColumn('notification_id', 'text', (c) =>
      c.notNull().references('sandbox.notifications.id').onDelete('cascade'),
    )
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('attempted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('acknowledged', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_attempts_pkey', ['notification_id', 'attempt'])
    .execute();

  // Injected faults: latency or an error response for one endpoint, optionally n times.
  await s
    .createTable('faults')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('wechatpay', 'alipay')`))
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('merchant', 'text')
    .addColumn('latency_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'integer')
    .addColumn('body', 'text')
    .addColumn('remaining', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Edits to a day's bill, for reconciliation tests: add, drop or alter a row.
  await s
    .createTable('bill_adjustments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('merchant', 'text', (c) => c.notNull())
    .addColumn('bill_date', 'date', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('add', 'drop', 'alter')`))
    .addColumn('ref', 'text')
    .addColumn('row', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'bill_adjustments',
    'faults',
    'notification_attempts',
    'notifications',
    'refunds',
    'orders',
    'alipay_apps',
    'wechat_merchants',
  ]) {
    await db.schema.withSchema('sandbox').dropTable(table).execute();
  }
}
