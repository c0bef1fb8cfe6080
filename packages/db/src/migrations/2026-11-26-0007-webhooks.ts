import { type Kysely, sql } from 'kysely';

// Frozen in time. Webhooks to tenants (docs/adr/0010-webhook-delivery.md): endpoints with
// their sealed signing secrets, one delivery per (event, endpoint) — itself the delivery
// queue, claimed with leases — and an immutable log of every attempt.

export async function up(db: Kysely<any>): Promise<void> {
  // Ids made inside an INSERT … SELECT (one delivery per subscribed endpoint, written in the
  // statement that appends the event). The layout of @paymux/core's newId: 10 characters of
  // milliseconds, 16 random, Crockford base32 in lower case.
  await sql`
    create function paymux_new_id(prefix text) returns text
    language plpgsql volatile parallel safe as $$
    declare
      alphabet constant text := '0123456789abcdefghjkmnpqrstvwxyz';
      ms bigint := floor(extract(epoch from clock_timestamp()) * 1000)::bigint;
      r bytea := uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());
      out text := prefix || '_';
    begin
      for i in reverse 9..0 loop
        out := out || substr(alphabet, ((ms >> (i * 5)) & 31)::int + 1, 1);
      end loop;
      -- Bytes 0–5 and 16–25 of two v4 UUIDs: clear of the version and variant bits.
      for i in 0..15 loop
        out := out || substr(alphabet, (get_byte(r, case when i < 6 then i else i + 10 end) & 31) + 1, 1);
      end loop;
      return out;
    end
    $$`.execute(db);

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^whe_[0-9a-z]{26}$'`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('url', 'text', (c) => c.notNull().check(sql`length(url) between 1 and 2048`))
    .addColumn('description', 'text', (c) => c.check(sql`length(description) <= 500`))
    // Empty: every event type.
    .addColumn('enabled_events', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('enabled').check(sql`status in ('enabled', 'disabled')`),
    )
    .addColumn('disabled_reason', 'text', (c) =>
      c.check(sql`disabled_reason in ('manual', 'gone', 'failing')`),
    )
    .addColumn('disabled_at', 'timestamptz')
    // Set at the first failed attempt after a success, cleared by any success: five days of
    // nothing but failures disables the endpoint.
    .addColumn('failing_since', 'timestamptz')
    // Vault envelopes (AAD binds tenant, table, endpoint and purpose).
    .addColumn('secret', 'jsonb', (c) => c.notNull())
    .addColumn('previous_secret', 'jsonb')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('webhook_endpoints_pkey', ['tenant_id', 'id'])
    .addCheckConstraint(
      'webhook_endpoints_disabled_reason',
      sql`(status = 'enabled') = (disabled_reason is null)`,
    )
    .execute();
  await db.schema
    .createIndex('webhook_endpoints_list_idx')
    .on('webhook_endpoints')
    .columns(['tenant_id', 'mode', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id ~ '^dlv_[0-9a-z]{26}$'`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('test', 'live')`))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'succeeded', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0).check(sql`attempts >= 0`))
    // Attempts made in the current run of the retry schedule (a replay starts a new run).
    .addColumn('schedule_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz')
    // A manual retry of a finished delivery: one attempt, not a new schedule.
    .addColumn('retry_once', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('lease_token', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('succeeded_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('webhook_deliveries_pkey', ['tenant_id', 'id'])
    .addUniqueConstraint('webhook_deliveries_event_endpoint_key', ['tenant_id', 'event_id', 'endpoint_id'])
    .addForeignKeyConstraint(
      'webhook_deliveries_endpoint_fkey',
      ['tenant_id', 'endpoint_id'],
      'webhook_endpoints',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('webhook_deliveries_event_fkey', ['tenant_id', 'event_id'], 'events', [
      'tenant_id',
      'id',
    ])
    .addCheckConstraint(
      'webhook_deliveries_schedule',
      sql`(status = 'pending') = (next_attempt_at is not null)`,
    )
    .execute();
  // The dispatcher's claim: due work per endpoint, and what each endpoint has in flight.
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (tenant_id, endpoint_id, next_attempt_at) where status = 'pending'`.execute(
    db,
  );
  await sql`create index webhook_deliveries_leased_idx on webhook_deliveries (tenant_id, endpoint_id) where lease_token is not null`.execute(
    db,
  );
  await db.schema
    .createIndex('webhook_deliveries_list_idx')
    .on('webhook_deliveries')
    .columns(['tenant_id', 'mode', 'id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_idx')
    .on('webhook_deliveries')
    .columns(['tenant_id', 'endpoint_id', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull().check(sql`number >= 1`))
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error_class', 'text')
    .addColumn('error_message', 'text')
    // The first 4 KB of the response body, never more.
    .addColumn('response_body', 'text', (c) => c.notNull().check(sql`octet_length(response_body) <= 4096`))
    .addColumn('trigger', 'text', (c) => c.notNull().check(sql`trigger in ('scheduled', 'manual')`))
    .addPrimaryKeyConstraint('webhook_attempts_pkey', ['tenant_id', 'delivery_id', 'number'])
    .addForeignKeyConstraint(
      'webhook_attempts_delivery_fkey',
      ['tenant_id', 'delivery_id'],
      'webhook_deliveries',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  for (const table of ['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts']) {
    const t = sql.table(table);
    await sql`alter table ${t} enable row level security`.execute(db);
    await sql`alter table ${t} force row level security`.execute(db);
    await sql`create policy tenant_isolation on ${t} to paymux_app using (tenant_id = paymux_current_tenant()) with check (tenant_id = paymux_current_tenant())`.execute(
      db,
    );
    await sql`create policy system_access on ${t} to paymux_system using (true) with check (true)`.execute(
      db,
    );
  }
  await sql`grant select, insert, update, delete on webhook_endpoints to paymux_app`.execute(db);
  await sql`grant select, insert, update on webhook_deliveries to paymux_app`.execute(db);
  // The attempt log is immutable.
  await sql`grant select, insert on webhook_attempts to paymux_app`.execute(db);
  // The dispatcher claims due deliveries across tenants (a lease: update of two columns)
  // and reads what it sends; it records results under the delivery's tenant.
  await sql`grant select on webhook_endpoints, webhook_deliveries to paymux_system`.execute(db);
  await sql`grant update (lease_token, lease_expires_at) on webhook_deliveries to paymux_system`.execute(db);
  // Master-key rotation re-wraps the sealed secrets (compare-and-set on the envelope).
  await sql`grant update (secret, previous_secret) on webhook_endpoints to paymux_system`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['webhook_attempts', 'webhook_deliveries', 'webhook_endpoints'])
    await db.schema.dropTable(table).execute();
  await sql`drop function paymux_new_id(text)`.execute(db);
}
