// Forged, altered, misrouted and replayed provider notifications, POSTed over HTTP to
// /notify: each is refused with the provider's failure answer (WeChat Pay 4xx with
// {code: FAIL}; Alipay anything but `success`), recorded as rejected with its reason, and
// changes nothing: no status, amount, refund or event moves. A genuine notification that
// is merely replayed is a duplicate (acknowledged, nothing applied).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMerchant } from '../../sandbox/src/wechatpay/merchants/merchant-store.ts';
import { signatureHeaders, wechatpaySigner } from '../../sandbox/src/wechatpay/wire/response-signature.ts';
import {
  acknowledgedAsRequired,
  admin,
  adminBase,
  createPayment,
  createRefund,
  type Delivery,
  delivered,
  eventually,
  expectProviderFailureAnswer,
  genuineDelivery,
  lowerCased,
  notificationAction,
  notificationRecords,
  outcomes,
  type Provider,
  payAtProvider,
  paymentRow,
  postNotify,
  refundRow,
  type SandboxNotification,
  type Shop,
  waitForNotifications,
  withholdOrderNotifications,
} from './support/notification-harness.ts';
import { type SandboxedApi, signUpWithTestMode, startSandboxedApi } from './support/sandbox-app.ts';

let api: SandboxedApi;
let shopA: Shop;
let shopB: Shop;

beforeAll(async () => {
  api = await startSandboxedApi();
  shopA = await signUpWithTestMode(api);
  shopB = await signUpWithTestMode(api);
}, 60_000);
afterAll(() => api.close());

/** Everything a notification could move for these payments: rows, refunds, events. */
async function stateOf(paymentIds: string[]) {
  const owner = api.server.tdb.owner;
  return {
    payments: await owner
      .selectFrom('payments')
      .select([
        'id',
        'status',
        'amount',
        'amount_refunded',
        'late',
        'paid_at',
        'provider_transaction_id',
        'updated_at',
      ])
      .where('id', 'in', paymentIds)
      .orderBy('id')
      .execute(),
    refunds: await owner
      .selectFrom('refunds')
      .select(['id', 'status', 'updated_at'])
      .where('payment_id', 'in', paymentIds)
      .orderBy('id')
      .execute(),
    events: await owner
      .selectFrom('events')
      .select(['id', 'type'])
      .where('object_id', 'in', paymentIds)
      .execute(),
  };
}

async function allRecordIds(): Promise<Set<string>> {
  const rows = await api.server.tdb.owner.selectFrom('provider_notifications').select('id').execute();
  return new Set(rows.map((r: { id: string }) => r.id));
}

/**
 * POSTs `delivery` to the notify URL of `to` and proves the refusal: the provider's failure
 * answer, exactly one new provider_notifications row (rejected, with a reason matching
 * `reason`, under the addressed account and its tenant), and no change to `watch`.
 */
async function expectRefused(
  provider: Provider,
  to: Shop,
  delivery: Delivery,
  reason: RegExp,
  watch: string[],
): Promise<void> {
  const before = await stateOf(watch);
  const known = await allRecordIds();
  const res = await postNotify(api, provider, to.accounts[provider].id, delivery);
  await expectProviderFailureAnswer(provider, res);
  const fresh = (await notificationRecords(api, { merchantAccountId: to.accounts[provider].id })).filter(
    (r) => !known.has(r.id),
  );
  expect(await allRecordIds()).toHaveProperty('size', known.size + 1);
  expect(fresh).toHaveLength(1);
  expect(fresh[0]?.outcome).toBe('rejected');
  expect(fresh[0]?.tenant_id).toBe(to.tenantId);
  expect(fresh[0]?.reason).toMatch(reason);
  expect(fresh[0]?.body).toBe(delivery.body);
  expect(await stateOf(watch)).toEqual(before);
}

/** A paid order whose genuine notification the sandbox holds back (Paymux still awaits payment). */
async function heldBackPayment(shop: Shop, provider: Provider, amount = 2500) {
  const payment = await createPayment(api, shop, provider, amount);
  await withholdOrderNotifications(api, shop, provider, payment.id, true);
  await payAtProvider(api, shop, provider, payment.id);
  const [held] = await waitForNotifications(api, shop, provider, payment.id, (n) => n.status === 'withheld');
  if (!held) throw new Error('no withheld notification');
  return { payment, notification: held, delivery: await genuineDelivery(api, held.id) };
}

/** Releases the held-back genuine notification and checks it, and only it, applies. */
async function releaseAndExpectApplied(shop: Shop, provider: Provider, paymentId: string) {
  await withholdOrderNotifications(api, shop, provider, paymentId, false);
  const [note] = await waitForNotifications(api, shop, provider, paymentId, delivered);
  expect(acknowledgedAsRequired(provider, note?.attempt_log.at(-1))).toBe(true);
  expect((await paymentRow(api, paymentId)).status).toBe('succeeded');
  const records = await notificationRecords(api, { paymentId });
  expect(records.filter((r) => r.outcome === 'applied')).toHaveLength(1);
}

const withHeader = (d: Delivery, name: string, value: string): Delivery => ({
  body: d.body,
  headers: { ...d.headers, [name]: value },
});

/** WeChat Pay's own signature over `body` at `at` (the sandbox holds the platform key). */
async function wechatSigned(shop: Shop, body: string, at: Date): Promise<Delivery> {
  const merchant = await findMerchant(api.server.deps, shop.accounts.wechatpay.merchant);
  if (!merchant) throw new Error('no sandbox merchant');
  return {
    body,
    headers: lowerCased({
      'content-type': 'application/json',
      ...signatureHeaders(wechatpaySigner(merchant), body, at),
    }),
  };
}

/** Changes one character of the body at `index` (to another character of the same class). */
function flipOneByte(body: string, index: number): string {
  const c = body[index] as string;
  const replacement = /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : c === 'A' ? 'B' : 'A';
  return body.slice(0, index) + replacement + body.slice(index + 1);
}

describe('forged WeChat Pay notifications change nothing', () => {
  it('refuses a bad signature, an unknown serial, stale or future timestamps, a tampered body and a probe', async () => {
    const { payment, delivery } = await heldBackPayment(shopA, 'wechatpay');
    const watch = [payment.id];
    const other = await genuineDelivery(
      api,
      (await heldBackPayment(shopA, 'wechatpay', 1100)).notification.id,
    );

    // A valid signature, but over another notification: it does not verify for this body.
    await expectRefused(
      'wechatpay',
      shopA,
      withHeader(delivery, 'wechatpay-signature', other.headers['wechatpay-signature'] as string),
      /signature does not verify/,
      watch,
    );
    // A key id the account does not have.
    await expectRefused(
      'wechatpay',
      shopA,
      withHeader(delivery, 'wechatpay-serial', 'PUB_KEY_ID_0114232134912410000000000000000000'),
      /unknown Wechatpay-Serial/,
      watch,
    );
    // The timestamp moved back 10 minutes: the 5-minute window check fires (before the signature, which fails too).
    const ts = Number(delivery.headers['wechatpay-timestamp']);
    await expectRefused(
      'wechatpay',
      shopA,
      withHeader(delivery, 'wechatpay-timestamp', String(ts - 600)),
      /outside the 5-minute window/,
      watch,
    );
    // Genuinely signed by WeChat Pay, but 6 minutes ago (an old capture replayed) or 6 minutes ahead.
    for (const skewMs of [-6 * 60_000, 6 * 60_000]) {
      await expectRefused(
        'wechatpay',
        shopA,
        await wechatSigned(shopA, delivery.body, new Date(Date.now() + skewMs)),
        /outside the 5-minute window/,
        watch,
      );
    }
    // One byte of the body changed: inside the encrypted resource, then in the envelope's event type.
    const envelope = JSON.parse(delivery.body) as { resource: { ciphertext: string } };
    const inCiphertext = delivery.body.indexOf(envelope.resource.ciphertext) + 10;
    await expectRefused(
      'wechatpay',
      shopA,
      { headers: delivery.headers, body: flipOneByte(delivery.body, inCiphertext) },
      /signature does not verify/,
      watch,
    );
    await expectRefused(
      'wechatpay',
      shopA,
      {
        headers: delivery.headers,
        body: delivery.body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCEST"'),
      },
      /signature does not verify/,
      watch,
    );
    // Even signed by WeChat Pay's key, a corrupted ciphertext fails its GCM tag.
    await expectRefused(
      'wechatpay',
      shopA,
      await wechatSigned(shopA, flipOneByte(delivery.body, inCiphertext), new Date()),
      /does not decrypt/,
      watch,
    );
    // The WECHATPAY/SIGNTEST/ prefix, posted directly.
    await expectRefused(
      'wechatpay',
      shopA,
      withHeader(
        delivery,
        'wechatpay-signature',
        `WECHATPAY/SIGNTEST/${other.headers['wechatpay-signature']}`,
      ),
      /SIGNTEST/,
      watch,
    );
    // Missing signature headers.
    await expectRefused(
      'wechatpay',
      shopA,
      { headers: { 'content-type': 'application/json' }, body: delivery.body },
      /missing Wechatpay-\* signature headers/,
      watch,
    );

    // The genuine notification still applies, once.
    await releaseAndExpectApplied(shopA, 'wechatpay', payment.id);
  });

  it("refuses the sandbox's SIGNTEST probe sent to the notify URL, with WeChat's failure answer", async () => {
    const url = `${api.apiOrigin}/notify/wechatpay/${shopA.accounts.wechatpay.id}`;
    const known = await allRecordIds();
    const probe = await admin<{ id: string; ref: string }>(
      `${adminBase(api, shopA, 'wechatpay')}/signtest`,
      { url },
      201,
    );
    const attempted = await eventually('the probe to be attempted', async () => {
      const n = await admin<SandboxNotification>(`${api.server.sandboxUrl}/_admin/notifications/${probe.id}`);
      return n.attempt_log.length > 0 ? n : undefined;
    });
    // Stop the provider's retries of the probe; each one so far was refused the same way.
    await notificationAction(api, probe.id, 'withhold');
    for (const attempt of attempted.attempt_log) {
      expect(attempt.status_code).toBe(400);
      expect(JSON.parse(attempt.response_body ?? '')).toMatchObject({ code: 'FAIL' });
      expect(attempt.acknowledged).toBe(false);
    }
    const fresh = (await notificationRecords(api, { merchantAccountId: shopA.accounts.wechatpay.id })).filter(
      (r) => !known.has(r.id) && r.body === attempted.body,
    );
    expect(fresh.length).toBeGreaterThanOrEqual(1);
    for (const r of fresh) {
      expect(r.outcome).toBe('rejected');
      expect(r.reason).toMatch(/SIGNTEST probe signature/);
      expect(r.payment_id).toBeNull();
    }
    // The probe names an order that does not exist; nothing anywhere was paid by it.
    const paid = await api.server.tdb.owner
      .selectFrom('events')
      .select('id')
      .where('tenant_id', '=', shopA.tenantId)
      .where('data', '@>', JSON.stringify({ id: probe.ref }))
      .execute();
    expect(paid).toEqual([]);
  });
});

describe('forged Alipay notifications change nothing', () => {
  it('refuses a bad signature, a missing signature and a one-byte tamper', async () => {
    const { payment, delivery } = await heldBackPayment(shopA, 'alipay');
    const other = await genuineDelivery(api, (await heldBackPayment(shopA, 'alipay', 1100)).notification.id);
    const watch = [payment.id];
    const form = new URLSearchParams(delivery.body);
    const otherSign = new URLSearchParams(other.body).get('sign') as string;

    const resigned = new URLSearchParams(form);
    resigned.set('sign', otherSign);
    await expectRefused(
      'alipay',
      shopA,
      { ...delivery, body: resigned.toString() },
      /signature does not verify/,
      watch,
    );
    const unsigned = new URLSearchParams(form);
    unsigned.delete('sign');
    await expectRefused('alipay', shopA, { ...delivery, body: unsigned.toString() }, /no signature/, watch);
    // One byte: the amount (25.00 → 35.00), then the trade status.
    expect(form.get('total_amount')).toBe('25.00');
    await expectRefused(
      'alipay',
      shopA,
      { ...delivery, body: delivery.body.replace('total_amount=25.00', 'total_amount=35.00') },
      /signature does not verify/,
      watch,
    );
    await expectRefused(
      'alipay',
      shopA,
      {
        ...delivery,
        body: delivery.body.replace('trade_status=TRADE_SUCCESS', 'trade_status=TRADE_SUCCESR'),
      },
      /signature does not verify/,
      watch,
    );

    await releaseAndExpectApplied(shopA, 'alipay', payment.id);
  });
});

describe.each(['wechatpay', 'alipay'] as const)(
  '%s notifications bound to their merchant and payment',
  (provider) => {
    it("refuses one merchant's genuine notification at another merchant's notify URL, both ways", async () => {
      const a = await heldBackPayment(shopA, provider);
      const b = await heldBackPayment(shopB, provider);
      const watch = [a.payment.id, b.payment.id];
      // Each account verifies with its own keys only: the other merchant's key id / signature fails.
      const reason = provider === 'wechatpay' ? /unknown Wechatpay-Serial/ : /signature does not verify/;
      await expectRefused(provider, shopB, a.delivery, reason, watch); // A's notification replayed at B's URL
      await expectRefused(provider, shopA, b.delivery, reason, watch); // B's notification sent to A's URL
      expect(await notificationRecords(api, { paymentId: a.payment.id })).toEqual([]);
      expect(await notificationRecords(api, { paymentId: b.payment.id })).toEqual([]);
      await releaseAndExpectApplied(shopA, provider, a.payment.id);
      await releaseAndExpectApplied(shopB, provider, b.payment.id);
    });

    it('refuses a notification whose amount differs from the stored payment, on every provider retry', async () => {
      const payment = await createPayment(api, shopA, provider, 2500);
      // The stored amount no longer matches what the provider charged (2500).
      await api.server.tdb.owner
        .updateTable('payments')
        .set({ amount: 2400n })
        .where('id', '=', payment.id)
        .execute();
      const before = await stateOf([payment.id]);
      await payAtProvider(api, shopA, provider, payment.id);
      const [note] = await waitForNotifications(
        api,
        shopA,
        provider,
        payment.id,
        (n) => n.attempt_log.length >= 2,
      );
      if (!note) throw new Error('no notification');
      await notificationAction(api, note.id, 'withhold');
      expect(note.status).not.toBe('delivered');
      for (const attempt of note.attempt_log) {
        expect(attempt.acknowledged).toBe(false);
        if (provider === 'wechatpay') {
          expect(attempt.status_code).toBe(400);
          expect(JSON.parse(attempt.response_body ?? '')).toMatchObject({ code: 'FAIL' });
        } else expect(attempt.response_body).not.toBe('success');
      }
      const records = await notificationRecords(api, { paymentId: payment.id });
      expect(records.length).toBeGreaterThanOrEqual(2);
      for (const r of records) {
        expect(r.outcome).toBe('rejected');
        expect(r.reason).toBe('amount 2500 CNY differs from 2400 CNY');
      }
      expect(await stateOf([payment.id])).toEqual(before);
      expect((await paymentRow(api, payment.id)).status).toBe('requires_payment');
    });

    it('treats a genuine notification replayed after the payment was refunded as a duplicate that changes nothing', async () => {
      const payment = await createPayment(api, shopA, provider, 1500);
      await payAtProvider(api, shopA, provider, payment.id);
      await waitForNotifications(api, shopA, provider, payment.id, delivered);
      // The exact bytes and signature headers of the first delivery, as Paymux recorded them.
      const [first] = await notificationRecords(api, { paymentId: payment.id });
      if (!first) throw new Error('no record');
      expect(first.outcome).toBe('applied');
      const captured: Delivery = { headers: first.headers, body: first.body };

      const refund = await createRefund(api, shopA, payment.id);
      await eventually('the refund to settle', async () =>
        (await refundRow(api, refund.id)).status === 'succeeded' ? true : undefined,
      );
      // Alipay also reports the full refund on the trade (TRADE_CLOSED, paid earlier): let it land first.
      if (provider === 'alipay') await waitForNotifications(api, shopA, provider, payment.id, delivered, 2);
      const before = await stateOf([payment.id]);
      const res = await postNotify(api, provider, shopA.accounts[provider].id, captured);
      expect(res.status).toBe(provider === 'wechatpay' ? 204 : 200);
      expect(await res.text()).toBe(provider === 'wechatpay' ? '' : 'success');
      expect(await stateOf([payment.id])).toEqual(before);
      const row = await paymentRow(api, payment.id);
      expect(row.status).toBe('succeeded');
      expect(row.amount_refunded).toBe(1500n);
      const records = (await notificationRecords(api, { paymentId: payment.id })).filter(
        (r) => r.refund_id === null,
      );
      expect(outcomes(records)).toEqual({ applied: 1, duplicate: provider === 'alipay' ? 2 : 1 });
    });
  },
);
