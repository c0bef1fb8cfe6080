// A payment transition appends its event in the UPDATE's own statement, the event's data
// built in SQL by paymux_payment_view (migration 0010). toPaymentView stays the definition
// of the public shape; this test holds the two equal for any payment row, so a field added,
// renamed or formatted differently on one side fails here instead of reaching a webhook.
import { randomBytes } from 'node:crypto';
import { newId } from '@paymux/core';
import { type PaymentRow, withTenant } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { testAlipayCredentials } from '@paymux/providers/testing';
import { LocalKeyProvider } from '@paymux/vault';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchantAccount, createTenant, OPERATOR, toPaymentView } from '../src/index.ts';
import { transitionPaymentFrom } from '../src/payments/transition-payment.ts';

let tdb: TestDatabase;
let tenantId: string;
let accountId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  const { tenant } = await createTenant({
    ctx: { db: tdb.db, actor: OPERATOR },
    input: { name: 'Parity', email: `parity-${Date.now()}@example.com`, password: 'correct horse battery' },
  });
  tenantId = tenant.id;
  const account = await createMerchantAccount({
    ctx: { db: tdb.db, vault: new LocalKeyProvider([randomBytes(32)]), actor: OPERATOR },
    input: {
      tenantId,
      mode: 'live',
      provider: 'alipay',
      display_name: 'parity',
      credentials: { ...testAlipayCredentials() },
    },
  });
  accountId = account.id;
});
afterAll(async () => {
  await tdb.close();
});

/** Timestamps with microseconds (PostgreSQL keeps them; the view shows milliseconds, truncated). */
const timestamp = fc
  .integer({ min: Date.UTC(2000, 0, 1) * 1000, max: Date.UTC(2099, 11, 31) * 1000 })
  .map((us) =>
    new Date(Math.floor(us / 1000)).toISOString().replace('Z', `${String(us % 1000).padStart(3, '0')}Z`),
  );
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const jsonObject = fc.dictionary(
  fc.string({ maxLength: 12 }),
  fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })),
  { maxKeys: 5 },
);

const paymentFields = fc
  .record({
    mode: fc.constantFrom('test', 'live'),
    provider: fc.constantFrom('wechatpay', 'alipay'),
    channel: fc.constantFrom('wechat.native', 'wechat.jsapi', 'alipay.qr', 'alipay.page'),
    amount: fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }),
    description: text,
    status: fc.constantFrom('requires_payment', 'succeeded', 'closed', 'failed'),
    late: fc.boolean(),
    next_action: fc.option(jsonObject, { nil: null }),
    provider_transaction_id: fc.option(fc.string({ minLength: 1, maxLength: 32 }), { nil: null }),
    failure_code: fc.option(fc.string({ minLength: 1, maxLength: 16 }), { nil: null }),
    failure_message: fc.option(text, { nil: null }),
    metadata: jsonObject,
    amount_refunded: fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }),
    expires_at: timestamp,
    paid_at: fc.option(timestamp, { nil: null }),
    closed_at: fc.option(timestamp, { nil: null }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  // payments_refund_bound: never more refunded than paid.
  .map((f) => ({ ...f, amount_refunded: f.amount_refunded % (f.amount + 1n) }));

describe('paymux_payment_view', () => {
  it('builds exactly toPaymentView(row) for any payment row', async () => {
    await fc.assert(
      fc.asyncProperty(paymentFields, async (f) => {
        const id = newId('pay');
        const [row, view] = await withTenant(tdb.db, tenantId, async (trx) => {
          await sql`
            insert into payments (tenant_id, id, mode, merchant_account_id, provider, channel, amount, currency,
              description, merchant_order_id, status, late, next_action, provider_reference, provider_transaction_id,
              failure_code, failure_message, metadata, amount_refunded, expires_at, paid_at, closed_at, created_at, updated_at)
            values (${tenantId}, ${id}, ${f.mode}, ${accountId}, ${f.provider}, ${f.channel}, ${f.amount}, 'CNY',
              ${f.description}, ${id}, ${f.status}, ${f.late},
              ${f.next_action === null ? null : JSON.stringify(f.next_action)}::jsonb, '{}'::jsonb,
              ${f.provider_transaction_id}, ${f.failure_code}, ${f.failure_message}, ${JSON.stringify(f.metadata)}::jsonb,
              ${f.amount_refunded}, ${f.expires_at}::timestamptz, ${f.paid_at}::timestamptz, ${f.closed_at}::timestamptz,
              ${f.created_at}::timestamptz, ${f.updated_at}::timestamptz)
          `.execute(trx);
          const stored = await trx
            .selectFrom('payments')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          const built = await sql<{ view: unknown }>`
            select paymux_payment_view(p) as view from payments p where p.id = ${id}
          `.execute(trx);
          return [stored, built.rows[0]?.view] as const;
        });
        // The event is stored as jsonb, so compare as JSON values (key order is jsonb's).
        expect(view).toEqual(JSON.parse(JSON.stringify(toPaymentView(row as PaymentRow))));
      }),
      { numRuns: 150 },
    );
  });

  it('is what a transition stores as its event: the view of the row as updated', async () => {
    const id = newId('pay');
    await withTenant(tdb.db, tenantId, async (trx) => {
      await sql`
        insert into payments (tenant_id, id, mode, merchant_account_id, provider, channel, amount, currency,
          description, merchant_order_id, status, provider_reference, metadata, expires_at)
        values (${tenantId}, ${id}, 'live', ${accountId}, 'alipay', 'alipay.qr', 2500, 'CNY', '咖啡 ☕', ${id},
          'requires_payment', '{}'::jsonb, '{"order":"42"}'::jsonb, now() + interval '15 minutes')
      `.execute(trx);
    });
    const updated = await withTenant(tdb.db, tenantId, (trx) =>
      transitionPaymentFrom(trx, { tenantId, id, from: 'requires_payment' }, 'succeeded', {
        paid_at: new Date(),
        provider_transaction_id: '2026112622001',
      }),
    );
    if (!updated) throw new Error('the transition did not apply');
    const events = await tdb.owner.selectFrom('events').selectAll().where('object_id', '=', id).execute();
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
    expect(events[0]?.data).toEqual(JSON.parse(JSON.stringify(toPaymentView(updated))));
    // The same compare-and-set again matches nothing: no second event.
    const again = await withTenant(tdb.db, tenantId, (trx) =>
      transitionPaymentFrom(trx, { tenantId, id, from: 'requires_payment' }, 'succeeded', {}),
    );
    expect(again).toBeUndefined();
    expect(
      await tdb.owner.selectFrom('events').select('id').where('object_id', '=', id).execute(),
    ).toHaveLength(1);
  });
});
