import { type Kysely, sql } from 'kysely';

// Frozen in time. A payment's public view (toPaymentView in @paymux/operations) as SQL, so
// a payment transition appends its event (whose data is that view) in the same statement
// as the compare-and-set UPDATE, one round trip instead of two. The TypeScript function
// stays the definition; operations' payment-view parity test asserts that both produce
// the same JSON for any row, so neither can change alone.

export async function up(db: Kysely<any>): Promise<void> {
  // Date.prototype.toISOString: UTC, milliseconds (truncated, as pg's Date parsing truncates).
  await sql`
    create function paymux_iso_time(t timestamptz) returns text
    language sql stable
    as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$
  `.execute(db);
  await sql`
    create function paymux_payment_view(p payments) returns jsonb
    language sql stable
    as $$
      select jsonb_build_object(
        'id', p.id,
        'object', 'payment',
        'livemode', p.mode = 'live',
        'amount', p.amount,
        'currency', p.currency,
        'channel', p.channel,
        'status', p.status,
        'description', p.description,
        'merchant_order_id', p.merchant_order_id,
        'merchant_account', p.merchant_account_id,
        'provider', p.provider,
        'next_action', p.next_action,
        'late', p.late,
        'amount_refunded', p.amount_refunded,
        'provider_transaction_id', p.provider_transaction_id,
        'failure_code', p.failure_code,
        'failure_message', p.failure_message,
        'metadata', p.metadata,
        'expires_at', paymux_iso_time(p.expires_at),
        'paid_at', paymux_iso_time(p.paid_at),
        'closed_at', paymux_iso_time(p.closed_at),
        'created_at', paymux_iso_time(p.created_at),
        'updated_at', paymux_iso_time(p.updated_at)
      )
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function paymux_payment_view(payments)`.execute(db);
  await sql`drop function paymux_iso_time(timestamptz)`.execute(db);
}
