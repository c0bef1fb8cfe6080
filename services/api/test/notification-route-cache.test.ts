// Notification routing from memory (`paymux start` keeps a route cache): a routed account
// serves later notifications without the routing query, and any committed change to the
// account (credentials, status, deletion) evicts it in every process within milliseconds,
// so a deleted account stops routing at once.
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from './support/fixtures.ts';
import {
  createPayment,
  delivered,
  eventTypes,
  expectProviderFailureAnswer,
  genuineDelivery,
  PROVIDERS,
  payAtProvider,
  paymentRow,
  postNotify,
  type Shop,
  waitForNotifications,
} from './support/notification-harness.ts';
import { type SandboxedApi, signUpWithTestMode, startSandboxedApi } from './support/sandbox-app.ts';

let api: SandboxedApi;

beforeAll(async () => {
  api = await startSandboxedApi();
}, 60_000);
afterAll(() => api.close());

async function paid(
  shop: Shop,
  provider: 'wechatpay' | 'alipay',
): Promise<{ paymentId: string; notificationId: string }> {
  const payment = await createPayment(api, shop, provider);
  await payAtProvider(api, shop, provider, payment.id);
  const [first] = await waitForNotifications(api, shop, provider, payment.id, delivered);
  if (!first) throw new Error('no notification');
  expect((await paymentRow(api, payment.id)).status).toBe('succeeded');
  return { paymentId: payment.id, notificationId: first.id };
}

/** Polls until `check` holds; returns how long that took, ms. */
async function within(ms: number, check: () => boolean): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
  return performance.now() - start;
}

describe.each(PROVIDERS)('%s notifications routed from memory', (provider) => {
  it('serves a routed account from the cache: later notifications apply without the routing query', async () => {
    expect(api.routeCache.listening).toBe(true);
    const shop = await signUpWithTestMode(api);
    const accountId = shop.accounts[provider].id;
    await paid(shop, provider);
    expect(api.routeCache.get(accountId)?.id).toBe(accountId);

    // Take the routing function away from the app role: only the cache can route now.
    const owner = api.server.tdb.owner;
    await sql`revoke execute on function paymux_route_merchant_account(text) from paymux_app`.execute(owner);
    try {
      const second = await paid(shop, provider);
      expect(await eventTypes(api, second.paymentId)).toEqual(['payment.succeeded']);
    } finally {
      await sql`grant execute on function paymux_route_merchant_account(text) to paymux_app`.execute(owner);
    }
  });

  it('evicts an account within milliseconds of any committed change to it, and not for a rolled-back one', async () => {
    const shop = await signUpWithTestMode(api);
    const accountId = shop.accounts[provider].id;
    await paid(shop, provider);
    expect(api.routeCache.get(accountId)).toBeDefined();

    const owner = api.server.tdb.owner;
    await owner
      .transaction()
      .execute(async (trx) => {
        await sql`update merchant_accounts set updated_at = now() where id = ${accountId}`.execute(trx);
        throw new Error('roll back');
      })
      .catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect(api.routeCache.get(accountId)).toBeDefined();

    await sql`update merchant_accounts set updated_at = now() where id = ${accountId}`.execute(owner);
    const ms = await within(1_000, () => api.routeCache.get(accountId) === undefined);
    expect(ms).toBeLessThan(1_000);
  });

  it('stops routing to a deleted account at once: its notifications are refused and change nothing', async () => {
    const shop = await signUpWithTestMode(api);
    const accountId = shop.accounts[provider].id;
    await paid(shop, provider);
    expect(api.routeCache.get(accountId)).toBeDefined();
    // A second order, paid at the provider, whose notification Paymux has not applied yet.
    const payment = await createPayment(api, shop, provider);
    const res = await fetch(`${api.apiOrigin}/v1/merchant_accounts/${accountId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await mintToken(shop.key)}` },
    });
    expect(res.status).toBe(200);
    await within(1_000, () => api.routeCache.get(accountId) === undefined);

    await payAtProvider(api, shop, provider, payment.id);
    const [first] = await waitForNotifications(
      api,
      shop,
      provider,
      payment.id,
      (n) => n.attempt_log.length > 0,
    );
    if (!first) throw new Error('no notification');
    await expectProviderFailureAnswer(
      provider,
      await postNotify(api, provider, accountId, await genuineDelivery(api, first.id)),
    );
    expect((await paymentRow(api, payment.id)).status).toBe('requires_payment');
    expect(await eventTypes(api, payment.id)).toEqual([]);
  });
});
