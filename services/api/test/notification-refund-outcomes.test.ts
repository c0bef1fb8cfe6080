// Each WeChat Pay refund outcome, delivered as its REFUND.* notification by the sandbox:
// the refund settles once, with one event, and afterwards Paymux's refunded total for the
// payment equals the provider's (what WeChat Pay still counts as refunded on the order).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acknowledgedAsRequired,
  admin,
  adminBase,
  createPayment,
  createRefund,
  delivered,
  eventTypes,
  notificationAction,
  notificationRecords,
  outcomes,
  payAtProvider,
  paymentRow,
  refundRow,
  type Shop,
  waitForNotifications,
} from './support/notification-harness.ts';
import { type SandboxedApi, signUpWithTestMode, startSandboxedApi } from './support/sandbox-app.ts';

let api: SandboxedApi;
let shop: Shop;

beforeAll(async () => {
  api = await startSandboxedApi();
  shop = await signUpWithTestMode(api);
}, 60_000);
afterAll(() => api.close());

async function refundWithOutcome(outcome: 'succeed' | 'close' | 'abnormal') {
  const payment = await createPayment(api, shop, 'wechatpay', 2000);
  await payAtProvider(api, shop, 'wechatpay', payment.id);
  await waitForNotifications(api, shop, 'wechatpay', payment.id, delivered);
  // Decide the refund's fate before the sandbox's own processing (3 s, time-compressed) does.
  await api.server.sandbox.stop();
  let refundId: string;
  try {
    const refund = await createRefund(api, shop, payment.id, 1200);
    expect(refund.status).toBe('pending');
    refundId = refund.id;
    await admin(`${adminBase(api, shop, 'wechatpay')}/refunds/${refund.id}/${outcome}`, {});
  } finally {
    api.server.sandbox.start();
  }
  const [note] = await waitForNotifications(api, shop, 'wechatpay', refundId, delivered);
  if (!note) throw new Error('no REFUND.* notification');
  await notificationAction(api, note.id, 'duplicate', { count: 2 });
  const all = await waitForNotifications(api, shop, 'wechatpay', refundId, delivered, 3);
  for (const n of all) expect(acknowledgedAsRequired('wechatpay', n.attempt_log.at(-1))).toBe(true);
  const provider = await admin<{ refunded: number }>(
    `${adminBase(api, shop, 'wechatpay')}/orders/${payment.id}`,
  );
  return { paymentId: payment.id, refundId, providerRefunded: provider.refunded };
}

describe('WeChat Pay refund outcomes by notification', () => {
  it.each([
    ['succeed', 'succeeded', 1200n],
    ['close', 'failed', 0n],
  ] as const)(
    'settles a refund the provider reports %s once, agreeing with its refunded total',
    async (outcome, status, refunded) => {
      const r = await refundWithOutcome(outcome);
      expect((await refundRow(api, r.refundId)).status).toBe(status);
      expect(await eventTypes(api, r.refundId)).toEqual([`refund.${status}`]);
      expect(outcomes(await notificationRecords(api, { refundId: r.refundId }))).toEqual({
        applied: 1,
        duplicate: 2,
      });
      const row = await paymentRow(api, r.paymentId);
      expect(row.amount_refunded).toBe(refunded);
      expect(BigInt(r.providerRefunded)).toBe(row.amount_refunded);
    },
  );

  // REFUND.ABNORMAL: the money left the merchant but did not reach the payer (handled by hand
  // at WeChat Pay), which keeps it refunded on the order. Paymux keeps the refund pending with
  // its amount reserved, never failed (which would offer the amount for refunding again).
  it('keeps a refund the provider reports ABNORMAL pending, its amount still counted as refunded', async () => {
    const r = await refundWithOutcome('abnormal');
    expect((await refundRow(api, r.refundId)).status).toBe('pending');
    expect(await eventTypes(api, r.refundId)).toEqual([]);
    const recorded = outcomes(await notificationRecords(api, { refundId: r.refundId }));
    expect(recorded.applied ?? 0).toBe(0);
    expect(recorded.duplicate).toBeGreaterThanOrEqual(1);
    expect(r.providerRefunded).toBe(1200);
    expect((await paymentRow(api, r.paymentId)).amount_refunded).toBe(1200n);
  });
});
