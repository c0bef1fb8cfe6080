import { createRefund, OPERATOR } from '@paymux/operations';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  FAST_SCHEDULE,
  type Harness,
  orderPath,
  startHarness,
  type TestTenant,
  UNREACHABLE,
} from './support/harness.ts';

let h: Harness;
let tenant: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  tenant = await h.signUp();
  await h.startWorker();
});
afterAll(() => h.close());

async function paidWechatPayment(amount: number) {
  const payment = await h.createPayment(tenant, {
    amount,
    channel: 'wechat.native',
    merchant_order_id: `rf-${amount}-${Date.now()}`,
  });
  await h.admin(`${orderPath(tenant, 'wechatpay', payment.id)}/pay`);
  await eventually(
    async () =>
      (await h.paymentState(tenant.tenantId, payment.id)).status === 'succeeded' ? true : undefined,
    10_000,
    'the payment to succeed',
  );
  return payment;
}

/** A WeChat refund whose notification can never arrive (its notify_url refuses connections). */
async function refundWithoutNotification(paymentId: string, amount: number, schedule = FAST_SCHEDULE) {
  return await createRefund({
    ctx: {
      db: h.server.tdb.db,
      actor: OPERATOR,
      ...h.providerCtx,
      publicUrl: UNREACHABLE,
      jobSchedule: schedule,
    },
    input: { tenantId: tenant.tenantId, mode: 'test', payment: paymentId, amount },
  });
}

const refundRow = (refundId: string) =>
  h.server.tdb.owner.selectFrom('refunds').selectAll().where('id', '=', refundId).executeTakeFirstOrThrow();

describe('refund.sync', () => {
  it('settles a pending WeChat Pay refund whose notification never arrives', async () => {
    const payment = await paidWechatPayment(1000);
    const refund = await refundWithoutNotification(payment.id, 400);
    expect(refund.status).toBe('pending');

    const settled = await eventually(
      async () => {
        const row = await refundRow(refund.id);
        return row.status === 'pending' ? undefined : row;
      },
      15_000,
      'the refund to settle',
    );
    expect(settled.status).toBe('succeeded');
    expect(settled.succeeded_at).toBeInstanceOf(Date);
    const events = await h.server.tdb.owner
      .selectFrom('events')
      .select('type')
      .where('object_id', '=', refund.id)
      .execute();
    expect(events.map((e) => e.type)).toEqual(['refund.succeeded']);
    const notifications = await h.server.tdb.owner
      .selectFrom('provider_notifications')
      .select('id')
      .where('refund_id', '=', refund.id)
      .execute();
    expect(notifications).toEqual([]);
    const paymentRow = await h.server.tdb.owner
      .selectFrom('payments')
      .select('amount_refunded')
      .where('id', '=', payment.id)
      .executeTakeFirstOrThrow();
    expect(paymentRow.amount_refunded).toBe(400n);
  });

  it('retries with backoff while the provider is unavailable, then settles', async () => {
    const payment = await paidWechatPayment(1001);
    // The next two refund queries answer 500 (provider_unavailable): the job must retry.
    await h.admin('/faults', {
      provider: 'wechatpay',
      endpoint: 'refunds.query',
      merchant: tenant.wechat.mchid,
      status: 500,
      count: 2,
    });
    // One scheduled sync only: settling the refund takes that job's retries.
    const refund = await refundWithoutNotification(payment.id, 1001, {
      ...FAST_SCHEDULE,
      refundSyncDelaysS: [1],
    });
    const settled = await eventually(
      async () => {
        const row = await refundRow(refund.id);
        return row.status === 'pending' ? undefined : row;
      },
      20_000,
      'the refund to settle after the faults',
    );
    expect(settled.status).toBe('succeeded');
    const job = await h.server.tdb.owner
      .selectFrom('pgboss.job')
      .select(['state', 'retry_count', 'data'])
      .where('name', '=', 'refund.sync')
      .where(sql`data->>'refund_id'`, '=', refund.id)
      .executeTakeFirstOrThrow();
    expect(job.retry_count).toBe(2);
    // The payload is ids only.
    expect(job.data).toEqual({ tenant_id: tenant.tenantId, mode: 'test', refund_id: refund.id, final: true });
  });
});
