import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, orderPath, startHarness, type TestTenant } from './support/harness.ts';

let h: Harness;
let tenant: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  tenant = await h.signUp();
  await h.startWorker();
});
afterAll(() => h.close());

describe('payment.sync', () => {
  it('settles every payment whose notifications the sandbox withholds entirely', async () => {
    // The payer pays, or fails (WeChat Pay reports PAYERROR; an Alipay trade has no failed
    // state, it waits for the buyer until it expires, so only WeChat is failed here).
    const channels = [
      ['wechat.native', 'wechatpay', 'pay', 'succeeded'],
      ['wechat.native', 'wechatpay', 'fail', 'failed'],
      ['alipay.qr', 'alipay', 'pay', 'succeeded'],
      ['alipay.qr', 'alipay', 'pay', 'succeeded'],
    ] as const;
    const payments = await Promise.all(
      channels.map(async ([channel, provider, action, expected], i) => {
        const payment = await h.createPayment(tenant, {
          amount: 100 + i,
          channel,
          merchant_order_id: `sync-${i}-${Date.now()}`,
        });
        // Withheld before the payer pays: no notification ever reaches Paymux.
        await h.admin(`${orderPath(tenant, provider, payment.id)}/withhold_notifications`, {
          withhold: true,
        });
        return { payment, provider, action, expected };
      }),
    );
    for (const { payment, provider, action } of payments) {
      await h.admin(`${orderPath(tenant, provider, payment.id)}/${action}`);
    }

    const settled = await eventually(
      async () => {
        const states = await Promise.all(
          payments.map(({ payment }) => h.paymentState(tenant.tenantId, payment.id)),
        );
        return states.every((s) => s.status !== 'requires_payment') ? states : undefined;
      },
      20_000,
      'every payment to settle',
    );
    for (const [i, state] of settled.entries()) {
      const expected = payments[i]?.expected;
      expect(state.status).toBe(expected);
      expect(state.late).toBe(false);
      // Settled by the job's query: no notification was received, and exactly one event.
      expect(state.notifications).toBe(0);
      expect(state.events.map((e) => e.type)).toEqual([`payment.${expected}`]);
    }
  });

  it('leaves a pending payment pending and records nothing, then settles it on a later run', async () => {
    const payment = await h.createPayment(tenant, {
      amount: 300,
      channel: 'wechat.native',
      merchant_order_id: `later-${Date.now()}`,
    });
    await h.admin(`${orderPath(tenant, 'wechatpay', payment.id)}/withhold_notifications`, { withhold: true });
    // The first two syncs (1 s, 2 s) find it unpaid and change nothing.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const before = await h.paymentState(tenant.tenantId, payment.id);
    expect(before.status).toBe('requires_payment');
    expect(before.events).toEqual([]);

    await h.admin(`${orderPath(tenant, 'wechatpay', payment.id)}/pay`);
    const after = await eventually(
      async () => {
        const s = await h.paymentState(tenant.tenantId, payment.id);
        return s.status === 'succeeded' ? s : undefined;
      },
      15_000,
      'the 4 s sync to settle it',
    );
    expect(after.events.map((e) => e.type)).toEqual(['payment.succeeded']);
  });

  it('runs the schedule as a chain: each sync enqueues the next while the payment can change', async () => {
    const syncsOf = async (paymentId: string) =>
      await h.server.tdb.owner
        .selectFrom('pgboss.job')
        .select(['start_after', 'state', 'data'])
        .where('name', '=', 'payment.sync')
        .where(sql`data->>'payment_id'`, '=', paymentId)
        .orderBy('start_after')
        .execute();
    const pending = await h.createPayment(tenant, {
      amount: 310,
      channel: 'wechat.native',
      merchant_order_id: `chain-${Date.now()}`,
    });
    const paid = await h.createPayment(tenant, {
      amount: 320,
      channel: 'alipay.qr',
      merchant_order_id: `chain-paid-${Date.now()}`,
    });
    await h.admin(`${orderPath(tenant, 'alipay', paid.id)}/pay`);
    await eventually(
      async () =>
        (await h.paymentState(tenant.tenantId, paid.id)).status === 'succeeded' ? true : undefined,
      5_000,
      'the paid payment to succeed by notification',
    );

    // The pending one: the syncs at 1 s, 2 s and 4 s after creation, each enqueued by the one before.
    const syncs = await eventually(
      async () => {
        const jobs = await syncsOf(pending.id);
        return jobs.length === 3 && jobs.every((j) => j.state === 'completed') ? jobs : undefined;
      },
      15_000,
      'three completed syncs',
    );
    const created = new Date(pending.created_at).getTime();
    expect(syncs.map((j) => j.data)).toEqual([
      expect.objectContaining({ later_syncs_s: '2,4' }),
      expect.objectContaining({ later_syncs_s: '4' }),
      expect.not.objectContaining({ later_syncs_s: expect.anything() }),
    ]);
    expect(syncs[1]?.start_after.getTime()).toBe(created + 2_000);
    expect(syncs[2]?.start_after.getTime()).toBe(created + 4_000);

    // The paid one: its first sync found nothing to do and enqueued nothing after it.
    await eventually(
      async () => ((await syncsOf(paid.id)).every((j) => j.state === 'completed') ? true : undefined),
      10_000,
      'the paid payment’s sync to complete',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await syncsOf(paid.id)).toHaveLength(1);
  });
});
