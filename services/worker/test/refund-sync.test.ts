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
  const refundSyncs = async (refundId: string) =>
    await h.server.tdb.owner
      .selectFrom('pgboss.job')
      .select(['id', 'start_after', 'state', 'data'])
      .where('name', '=', 'refund.sync')
      .where(sql`data->>'refund_id'`, '=', refundId)
      .orderBy('start_after')
      .execute();

  it('writes one sync with the refund; each later one is chained, and ends with the refund', async () => {
    const payment = await paidWechatPayment(1002);
    const refund = await refundWithoutNotification(payment.id, 500);
    expect(refund.status).toBe('pending');
    const written = await refundSyncs(refund.id);
    expect(written).toHaveLength(1);
    expect(written[0]?.data).toEqual({
      tenant_id: tenant.tenantId,
      mode: 'test',
      refund_id: refund.id,
      later_syncs_s: '2,4',
    });

    // The sandbox finishes the refund at once: the sync at 1 s settles it, having enqueued
    // the one at 2 s first (before asking); that one finds it settled and enqueues nothing.
    const jobs = await eventually(
      async () => {
        const all = await refundSyncs(refund.id);
        return all.length === 2 && all.every((j) => j.state === 'completed') ? all : undefined;
      },
      15_000,
      'two completed refund syncs',
    );
    expect((await refundRow(refund.id)).status).toBe('succeeded');
    const created = new Date(refund.created_at).getTime();
    expect(jobs[1]?.start_after.getTime()).toBe(created + 2_000);
    expect(jobs[1]?.data).toEqual({
      tenant_id: tenant.tenantId,
      mode: 'test',
      refund_id: refund.id,
      later_syncs_s: '4',
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await refundSyncs(refund.id)).toHaveLength(2);
  });

  it('runs the whole chain for a refund the provider keeps processing, and leaves it pending', async () => {
    const payment = await paidWechatPayment(1003);
    const refund = await refundWithoutNotification(payment.id, 600);
    // Every query of this refund answers PROCESSING (signed, as the real one would be).
    const processing = {
      refund_id: refund.provider_refund_id,
      out_refund_no: refund.id,
      out_trade_no: payment.id,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      create_time: '2026-11-27T10:00:00+08:00',
      status: 'PROCESSING',
      funds_account: 'AVAILABLE',
      amount: { total: 1003, refund: 600, payer_total: 1003, payer_refund: 600, currency: 'CNY' },
    };
    await h.admin('/faults', {
      provider: 'wechatpay',
      endpoint: 'refunds.query',
      merchant: tenant.wechat.mchid,
      status: 200,
      body: JSON.stringify(processing),
      count: 3,
    });

    const jobs = await eventually(
      async () => {
        const all = await refundSyncs(refund.id);
        return all.length === 3 && all.every((j) => j.state === 'completed') ? all : undefined;
      },
      20_000,
      'three completed refund syncs',
    );
    const created = new Date(refund.created_at).getTime();
    expect(jobs.map((j) => [j.start_after.getTime() - created, j.data])).toEqual([
      [expect.any(Number), expect.objectContaining({ later_syncs_s: '2,4' })],
      [2_000, expect.objectContaining({ later_syncs_s: '4' })],
      [4_000, expect.objectContaining({ final: true })],
    ]);
    expect(jobs[2]?.data).not.toHaveProperty('later_syncs_s');
    // After the last scheduled sync the refund stays pending (an operator's case), and
    // nothing else is enqueued for it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await refundRow(refund.id)).status).toBe('pending');
    expect(await refundSyncs(refund.id)).toHaveLength(3);
  });
});
