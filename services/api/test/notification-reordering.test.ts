// Provider notifications out of order: a refund's notification held back while the
// payment's notification arrives again, the payment's notification arriving only after the
// refund settled (for Alipay after the full refund's TRADE_CLOSED), and a success arriving
// after the payment was closed here. Final states are right and every transition has
// exactly one event, whatever the order.
import { withTenant } from '@paymux/db';
import { transitionPayment } from '@paymux/operations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acknowledgedAsRequired,
  admin,
  adminBase,
  apiRequest,
  createPayment,
  createRefund,
  delivered,
  eventTypes,
  eventually,
  type NotificationRecord,
  notificationAction,
  notificationRecords,
  outcomes,
  PROVIDERS,
  payAtProvider,
  paymentRow,
  refundRow,
  type Shop,
  sandboxNotifications,
  waitForNotifications,
  withholdOrderNotifications,
} from './support/notification-harness.ts';
import { type SandboxedApi, signUpWithTestMode, startSandboxedApi } from './support/sandbox-app.ts';

let api: SandboxedApi;
let shop: Shop;

beforeAll(async () => {
  api = await startSandboxedApi();
  shop = await signUpWithTestMode(api);
}, 60_000);
afterAll(() => api.close());

const paymentLevel = (records: NotificationRecord[]) => records.filter((r) => r.refund_id === null);

describe('notifications out of order', () => {
  it('settles a WeChat Pay refund whose REFUND.SUCCESS was held back behind a repeated TRANSACTION.SUCCESS', async () => {
    const payment = await createPayment(api, shop, 'wechatpay', 2500);
    await payAtProvider(api, shop, 'wechatpay', payment.id);
    const [paid] = await waitForNotifications(api, shop, 'wechatpay', payment.id, delivered);
    if (!paid) throw new Error('no TRANSACTION.SUCCESS');

    // Hold the provider's deliveries while the refund is decided, so its REFUND.SUCCESS can be held back.
    await api.server.sandbox.stop();
    let refundId: string;
    try {
      const refund = await createRefund(api, shop, payment.id, 1000);
      expect(refund.status).toBe('pending');
      refundId = refund.id;
      await admin(`${adminBase(api, shop, 'wechatpay')}/refunds/${refund.id}/succeed`, {});
      const [queued] = await sandboxNotifications(api, shop, 'wechatpay', refund.id);
      if (!queued) throw new Error('no REFUND.SUCCESS queued');
      expect(await notificationAction(api, queued.id, 'withhold')).toEqual({ status: 'withheld' });
    } finally {
      api.server.sandbox.start();
    }

    // The payment's notification arrives (again) first.
    await notificationAction(api, paid.id, 'duplicate', { count: 1 });
    await waitForNotifications(api, shop, 'wechatpay', payment.id, delivered, 2);
    expect((await refundRow(api, refundId)).status).toBe('pending');
    let row = await paymentRow(api, payment.id);
    expect(row.status).toBe('succeeded');
    expect(row.amount_refunded).toBe(1000n);
    expect(await eventTypes(api, refundId)).toEqual([]);

    // Then the refund's, released; then both again.
    const [held] = await sandboxNotifications(api, shop, 'wechatpay', refundId);
    if (!held) throw new Error('refund notification vanished');
    await notificationAction(api, held.id, 'release');
    await waitForNotifications(api, shop, 'wechatpay', refundId, delivered);
    await notificationAction(api, held.id, 'duplicate', { count: 2 });
    await notificationAction(api, paid.id, 'duplicate', { count: 1 });
    const refundNotes = await waitForNotifications(api, shop, 'wechatpay', refundId, delivered, 3);
    const paymentNotes = await waitForNotifications(api, shop, 'wechatpay', payment.id, delivered, 3);

    const refund = await refundRow(api, refundId);
    expect(refund.status).toBe('succeeded');
    row = await paymentRow(api, payment.id);
    expect(row.status).toBe('succeeded');
    expect(row.amount_refunded).toBe(1000n);
    expect(await eventTypes(api, payment.id)).toEqual(['payment.succeeded']);
    expect(await eventTypes(api, refundId)).toEqual(['refund.succeeded']);
    const records = await notificationRecords(api, { paymentId: payment.id });
    expect(outcomes(paymentLevel(records))).toEqual({ applied: 1, duplicate: 2 });
    expect(outcomes(records.filter((r) => r.refund_id === refundId))).toEqual({ applied: 1, duplicate: 2 });
    for (const n of [...refundNotes, ...paymentNotes]) {
      expect(acknowledgedAsRequired('wechatpay', n.attempt_log.at(-1))).toBe(true);
    }
  });

  it.each(PROVIDERS)(
    'keeps a fully refunded %s payment succeeded when its own notifications arrive only after the refund',
    async (provider) => {
      const payment = await createPayment(api, shop, provider, 1800);
      await withholdOrderNotifications(api, shop, provider, payment.id, true);
      // Paid at the provider and learnt by query (the test helper syncs); the notification is held back.
      const paid = await apiRequest(api, shop, 'POST', `/v1/test_helpers/payments/${payment.id}/pay`, {});
      expect(((await paid.json()) as { status: string }).status).toBe('succeeded');

      const refund = await createRefund(api, shop, payment.id);
      expect(refund.amount).toBe(1800);
      await eventually('the refund to settle', async () =>
        (await refundRow(api, refund.id)).status === 'succeeded' ? true : undefined,
      );

      const held = (await sandboxNotifications(api, shop, provider, payment.id)).filter(
        (n) => n.status === 'withheld',
      );
      if (provider === 'alipay') {
        // The full refund's trade_status_sync (TRADE_CLOSED, paid earlier) goes first, then TRADE_SUCCESS.
        expect(held.map((n) => n.kind).sort()).toEqual(['refund', 'transaction']);
        const closedByRefund = held.find((n) => n.kind === 'refund');
        if (!closedByRefund) throw new Error('no refund notification');
        expect(new URLSearchParams(closedByRefund.body).get('trade_status')).toBe('TRADE_CLOSED');
        await notificationAction(api, closedByRefund.id, 'release');
        await waitForNotifications(api, shop, provider, payment.id, delivered, 1);
      } else {
        expect(held.map((n) => n.kind)).toEqual(['transaction']);
      }
      await withholdOrderNotifications(api, shop, provider, payment.id, false);
      const all = await waitForNotifications(api, shop, provider, payment.id, delivered, held.length);

      const row = await paymentRow(api, payment.id);
      expect(row.status).toBe('succeeded');
      expect(row.late).toBe(false);
      expect(row.amount_refunded).toBe(1800n);
      expect((await refundRow(api, refund.id)).status).toBe('succeeded');
      expect(await eventTypes(api, payment.id)).toEqual(['payment.succeeded']);
      expect(await eventTypes(api, refund.id)).toEqual(['refund.succeeded']);
      // The payment was applied by the query; its late notifications are duplicates, acknowledged.
      expect(outcomes(paymentLevel(await notificationRecords(api, { paymentId: payment.id })))).toEqual({
        duplicate: held.length,
      });
      for (const n of all) expect(acknowledgedAsRequired(provider, n.attempt_log.at(-1))).toBe(true);
    },
  );

  it.each(PROVIDERS)(
    'records a %s success that arrives after the payment was closed here as late, with one event each',
    async (provider) => {
      const payment = await createPayment(api, shop, provider, 990);
      await withholdOrderNotifications(api, shop, provider, payment.id, true);
      await payAtProvider(api, shop, provider, payment.id);
      // Closed here meanwhile (as an expiry sweep would: the guarded transition with its event).
      await withTenant(api.server.tdb.db, shop.tenantId, async (trx) => {
        const current = await trx
          .selectFrom('payments')
          .selectAll()
          .where('id', '=', payment.id)
          .forUpdate()
          .executeTakeFirstOrThrow();
        expect(await transitionPayment(trx, current, 'closed', { closed_at: new Date() })).toBeDefined();
      });

      await withholdOrderNotifications(api, shop, provider, payment.id, false);
      const [note] = await waitForNotifications(api, shop, provider, payment.id, delivered);
      if (!note) throw new Error('no notification');
      await notificationAction(api, note.id, 'duplicate', { count: 2 });
      const all = await waitForNotifications(api, shop, provider, payment.id, delivered, 3);

      const row = await paymentRow(api, payment.id);
      expect(row.status).toBe('succeeded');
      expect(row.late).toBe(true);
      expect(row.provider_transaction_id).toBeTruthy();
      expect(await eventTypes(api, payment.id)).toEqual(['payment.closed', 'payment.succeeded']);
      const succeeded = await api.server.tdb.owner
        .selectFrom('events')
        .select('data')
        .where('object_id', '=', payment.id)
        .where('type', '=', 'payment.succeeded')
        .executeTakeFirstOrThrow();
      expect((succeeded.data as { late?: boolean }).late).toBe(true);
      expect(outcomes(await notificationRecords(api, { paymentId: payment.id }))).toEqual({
        applied: 1,
        duplicate: 2,
      });
      for (const n of all) expect(acknowledgedAsRequired(provider, n.attempt_log.at(-1))).toBe(true);
    },
  );
});
