// Provider notifications move money once: the provider's duplicates (sent by the sandbox
// over HTTP), identical copies arriving at the same moment, and a notification racing the
// query of the same payment each leave one applied notification and one event, and every
// copy is acknowledged exactly as the provider requires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acknowledgedAsRequired,
  apiRequest,
  createPayment,
  delivered,
  eventTypes,
  genuineDelivery,
  notificationAction,
  notificationRecords,
  outcomes,
  PROVIDERS,
  payAtProvider,
  paymentRow,
  postNotify,
  type Shop,
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

describe.each(PROVIDERS)('%s notifications are applied once', (provider) => {
  it('applies a paid order once when the provider sends its notification five more times', async () => {
    const payment = await createPayment(api, shop, provider);
    await payAtProvider(api, shop, provider, payment.id);
    const [first] = await waitForNotifications(api, shop, provider, payment.id, delivered);
    if (!first) throw new Error('no notification');
    const paidAt = (await paymentRow(api, payment.id)).paid_at;

    // The provider re-notifies: five new deliveries of the same body, sent concurrently by the dispatcher.
    const { ids } = (await notificationAction(api, first.id, 'duplicate', { count: 5 })) as { ids: string[] };
    expect(ids).toHaveLength(5);
    const all = await waitForNotifications(api, shop, provider, payment.id, delivered, 6);

    const row = await paymentRow(api, payment.id);
    expect(row.status).toBe('succeeded');
    expect(row.late).toBe(false);
    expect(row.paid_at).toEqual(paidAt);
    expect(await eventTypes(api, payment.id)).toEqual(['payment.succeeded']);
    const records = await notificationRecords(api, { paymentId: payment.id });
    expect(outcomes(records)).toEqual({ applied: 1, duplicate: 5 });
    // All six are the same provider notification (WeChat's envelope id, Alipay's notify_id).
    expect(new Set(records.map((r) => r.provider_notification_id)).size).toBe(1);
    expect(records[0]?.provider_notification_id).toBeTruthy();
    // Every copy was acknowledged on its first attempt, exactly as the provider requires.
    expect(all).toHaveLength(6);
    for (const n of all) {
      expect(n.attempt_log).toHaveLength(1);
      expect(acknowledgedAsRequired(provider, n.attempt_log[0])).toBe(true);
    }
  });

  it('applies identical copies arriving at the same moment once, and acknowledges each', async () => {
    // Several payments, each with ten identical copies in flight at once, to give a race room to show.
    for (let round = 0; round < 3; round += 1) {
      const payment = await createPayment(api, shop, provider);
      await withholdOrderNotifications(api, shop, provider, payment.id, true);
      await payAtProvider(api, shop, provider, payment.id);
      const [held] = await waitForNotifications(
        api,
        shop,
        provider,
        payment.id,
        (n) => n.status === 'withheld',
      );
      if (!held) throw new Error('no withheld notification');
      // One delivery (one signature) exactly as the provider would send it, posted ten times at once.
      const delivery = await genuineDelivery(api, held.id);
      const answers = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await postNotify(api, provider, shop.accounts[provider].id, delivery);
          return { status: res.status, body: await res.text() };
        }),
      );
      for (const answer of answers) {
        expect(answer).toEqual(
          provider === 'wechatpay' ? { status: 204, body: '' } : { status: 200, body: 'success' },
        );
      }
      expect(await eventTypes(api, payment.id)).toEqual(['payment.succeeded']);
      expect(outcomes(await notificationRecords(api, { paymentId: payment.id }))).toEqual({
        applied: 1,
        duplicate: 9,
      });

      // The provider's own delivery, released afterwards, changes nothing either.
      await withholdOrderNotifications(api, shop, provider, payment.id, false);
      const [sent] = await waitForNotifications(api, shop, provider, payment.id, delivered);
      expect(acknowledgedAsRequired(provider, sent?.attempt_log.at(-1))).toBe(true);
      expect(await eventTypes(api, payment.id)).toEqual(['payment.succeeded']);
      expect(outcomes(await notificationRecords(api, { paymentId: payment.id }))).toEqual({
        applied: 1,
        duplicate: 10,
      });
      expect((await paymentRow(api, payment.id)).status).toBe('succeeded');
    }
  });

  it('applies a payment once when its notification races the query of the same payment', async () => {
    // The test helper pays at the sandbox and then queries the payment while the sandbox is
    // already delivering the notification: two paths to the same success, one transition.
    const payment = await createPayment(api, shop, provider);
    const res = await apiRequest(api, shop, 'POST', `/v1/test_helpers/payments/${payment.id}/pay`, {});
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('succeeded');
    await waitForNotifications(api, shop, provider, payment.id, delivered);
    expect(await eventTypes(api, payment.id)).toEqual(['payment.succeeded']);
    const records = await notificationRecords(api, { paymentId: payment.id });
    expect(records).toHaveLength(1);
    expect(['applied', 'duplicate']).toContain(records[0]?.outcome);
  });
});
