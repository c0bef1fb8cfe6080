import { OPERATOR, updateTenantSettings } from '@paymux/operations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  FAST_SCHEDULE,
  type Harness,
  orderPath,
  startHarness,
  type TestTenant,
} from './support/harness.ts';

// Expiry needs a payment whose expires_at comes within seconds while the provider still
// holds the order open (otherwise the sandbox would close it by itself at time_expire and
// the close path would never run). The platform's clock for these payments runs 58 s
// behind real time (expires_in has a 60 s minimum, so expires_at is 2 s away), and the
// sandbox's clock runs 60 s behind: to the provider, the order stays open for a minute
// more. Both skews are well inside the providers' ±5 min signature windows.
const PLATFORM_SKEW_MS = -58_000;
const SANDBOX_SKEW_MS = -60_000;
const skewedNow = () => new Date(Date.now() + PLATFORM_SKEW_MS);

let h: Harness;
let tenant: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  h.server.advanceClock(SANDBOX_SKEW_MS);
  tenant = await h.signUp();
  await h.startWorker();
});
afterAll(() => h.close());

const settledAs = (paymentId: string, status: string, timeoutMs = 15_000) =>
  eventually(
    async () => {
      const s = await h.paymentState(tenant.tenantId, paymentId);
      return s.status === status ? s : undefined;
    },
    timeoutMs,
    `payment ${paymentId} to be ${status}`,
  );

describe('payment.expire', () => {
  it('closes an unpaid payment at the provider and here at expires_at; the payer can no longer pay', async () => {
    const payment = await h.createPayment(
      tenant,
      { amount: 500, channel: 'wechat.native', merchant_order_id: `exp-${Date.now()}`, expires_in: 60 },
      { now: skewedNow },
    );
    expect(new Date(payment.expires_at as string).getTime() - Date.now()).toBeLessThan(3_000);
    const order = orderPath(tenant, 'wechatpay', payment.id);
    expect((await h.adminGet(order)).status).toBe('pending');

    const state = await settledAs(payment.id, 'closed');
    expect(state.late).toBe(false);
    expect(state.events.map((e) => e.type)).toEqual(['payment.closed']);
    // Closed at the provider by the job, not by the provider's own expiry (a minute away there).
    expect((await h.adminGet(order)).status).toBe('closed');
    await expect(h.admin(`${order}/pay`)).rejects.toThrow();
    expect((await h.paymentState(tenant.tenantId, payment.id)).status).toBe('closed');
  });

  it('records a payment paid at the last moment as succeeded, not closed', async () => {
    const payment = await h.createPayment(
      tenant,
      { amount: 501, channel: 'wechat.native', merchant_order_id: `exp-paid-${Date.now()}`, expires_in: 60 },
      // No sync jobs: only the expiry job's query can find the payment.
      { now: skewedNow, schedule: { ...FAST_SCHEDULE, paymentSyncDelaysS: [], lateCheckDelayS: 60 } },
    );
    const order = orderPath(tenant, 'wechatpay', payment.id);
    await h.admin(`${order}/withhold_notifications`, { withhold: true });
    await h.admin(`${order}/pay`);
    const state = await settledAs(payment.id, 'succeeded');
    expect(state.late).toBe(false);
    expect(state.events.map((e) => e.type)).toEqual(['payment.succeeded']);
    expect((await h.adminGet(order)).status).toBe('paid');
  });
});

describe('late success', () => {
  // The real race: an Alipay QR nobody has scanned does not exist at Alipay yet, so the
  // expiry job's close answers TRADE_NOT_EXIST and Paymux closes it here; the buyer then
  // scans the still valid QR code and pays.
  const closedThenPaid = async (options: { withhold: boolean; lateCheckDelayS: number }) => {
    const payment = await h.createPayment(
      tenant,
      { amount: 700, channel: 'alipay.qr', merchant_order_id: `late-${Date.now()}`, expires_in: 60 },
      { now: skewedNow, schedule: { ...FAST_SCHEDULE, lateCheckDelayS: options.lateCheckDelayS } },
    );
    const order = orderPath(tenant, 'alipay', payment.id);
    if (options.withhold) await h.admin(`${order}/withhold_notifications`, { withhold: true });
    await settledAs(payment.id, 'closed');
    await h.admin(`${order}/pay`);
    return payment;
  };

  const expectOneLateSuccess = async (paymentId: string) => {
    const state = await settledAs(paymentId, 'succeeded');
    expect(state.late).toBe(true);
    expect(state.events.map((e) => e.type)).toEqual(['payment.closed', 'payment.succeeded']);
    const succeeded = state.events[1]?.data as { late?: boolean; status?: string };
    expect(succeeded.late).toBe(true);
    expect(succeeded.status).toBe('succeeded');
    return state;
  };

  const refundsOf = (paymentId: string) =>
    h.server.tdb.owner
      .selectFrom('refunds')
      .select(['amount', 'status', 'merchant_refund_id'])
      .where('payment_id', '=', paymentId)
      .execute();

  it('is recorded from the provider notification: succeeded, late, one payment.succeeded event', async () => {
    const payment = await closedThenPaid({ withhold: false, lateCheckDelayS: 60 });
    const state = await expectOneLateSuccess(payment.id);
    expect(state.notifications).toBeGreaterThanOrEqual(1);
    // The tenant did not ask for automatic refunds (the default): none is made.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await refundsOf(payment.id)).toEqual([]);
  });

  it('is refunded in full, once, when the tenant asked for automatic refunds of late payments', async () => {
    await updateTenantSettings({
      ctx: { db: h.server.tdb.db, actor: OPERATOR },
      input: { tenantId: tenant.tenantId, auto_refund_late_payments: true },
    });
    try {
      const payment = await closedThenPaid({ withhold: false, lateCheckDelayS: 60 });
      await expectOneLateSuccess(payment.id);
      const [refund] = await eventually(
        async () => {
          const rows = await refundsOf(payment.id);
          return rows.length > 0 && rows.every((r) => r.status === 'succeeded') ? rows : undefined;
        },
        15_000,
        'the automatic refund',
      );
      expect(refund).toEqual({ amount: 700n, status: 'succeeded', merchant_refund_id: `late-${payment.id}` });
      // A duplicate notification (a second late-success attempt) refunds nothing more.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await refundsOf(payment.id)).toHaveLength(1);
    } finally {
      await updateTenantSettings({
        ctx: { db: h.server.tdb.db, actor: OPERATOR },
        input: { tenantId: tenant.tenantId, auto_refund_late_payments: false },
      });
    }
  });

  it('is recorded by the late check when no notification arrives', async () => {
    const payment = await closedThenPaid({ withhold: true, lateCheckDelayS: 6 });
    const state = await expectOneLateSuccess(payment.id);
    expect(state.notifications).toBe(0);
    // A notification released afterwards is a duplicate: still one success event.
    await h.admin(`${orderPath(tenant, 'alipay', payment.id)}/withhold_notifications`, { withhold: false });
    await eventually(
      async () => ((await h.paymentState(tenant.tenantId, payment.id)).notifications > 0 ? true : undefined),
      10_000,
      'the released notification',
    );
    await expectOneLateSuccess(payment.id);
  });
});
