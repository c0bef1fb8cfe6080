// The API process dies after a notification's transaction committed and before the
// provider got its acknowledgement (SIGKILL, no cleanup). The provider sees a reset
// connection and retries; a fresh API process on the same database answers the retry as a
// duplicate, acknowledges it, and the payment stays applied once with one event.
import { randomBytes } from 'node:crypto';
import { createTenant, httpSandboxProvisioner, OPERATOR } from '@paymux/operations';
import { LocalKeyProvider } from '@paymux/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxServer, startSandboxServer } from '../../sandbox/test/support/sandbox-server.ts';
import { makeKey } from './support/fixtures.ts';
import { type ApiProcess, freePort, startApiProcess } from './support/notification-child.ts';
import {
  acknowledgedAsRequired,
  createPayment,
  delivered,
  eventTypes,
  eventually,
  notificationAction,
  notificationRecords,
  outcomes,
  PROVIDERS,
  payAtProvider,
  paymentRow,
  type SandboxNotification,
  type Shop,
  type Stack,
  sandboxNotifications,
  waitForNotifications,
} from './support/notification-harness.ts';

const MASTER_KEY = randomBytes(32);
let server: SandboxServer;
let stack: Stack;
let shop: Shop;
let port: number;
const running = new Set<ApiProcess>();

beforeAll(async () => {
  server = await startSandboxServer();
  port = await freePort();
  stack = { apiOrigin: `http://127.0.0.1:${port}`, server };
  // Credentials sealed with the master key the API processes are given.
  const created = await createTenant({
    ctx: {
      db: server.tdb.db,
      actor: OPERATOR,
      testMode: {
        sandbox: httpSandboxProvisioner({ sandboxUrl: server.sandboxUrl }),
        vault: new LocalKeyProvider([MASTER_KEY]),
      },
    },
    input: {
      name: 'Crash shop',
      email: `crash-${Date.now()}@example.com`,
      password: 'correct horse battery',
    },
  });
  const pick = (provider: 'wechatpay' | 'alipay') => {
    const account = created.testAccounts.find((a) => a.provider === provider);
    if (!account) throw new Error(`no ${provider} test account`);
    const ids = account.identifiers as Record<string, unknown>;
    return { id: account.id, merchant: String(provider === 'wechatpay' ? ids.mchid : ids.app_id) };
  };
  shop = {
    tenantId: created.tenant.id,
    key: await makeKey(server.tdb, created.tenant.id),
    accounts: { wechatpay: pick('wechatpay'), alipay: pick('alipay') },
  };
}, 60_000);

afterAll(async () => {
  for (const p of running) await p.stop();
  await server?.close();
});

async function startApi(crashAfterNotify: boolean): Promise<ApiProcess> {
  const api = await startApiProcess({
    databaseUrl: server.tdb.url,
    port,
    sandboxUrl: server.sandboxUrl,
    masterKey: MASTER_KEY,
    crashAfterNotify,
  });
  running.add(api);
  void api.exited.then(() => running.delete(api));
  return api;
}

describe.each(PROVIDERS)('%s: the API killed between commit and acknowledgement', (provider) => {
  it("applies the provider's retry zero more times and acknowledges it", async () => {
    const doomed = await startApi(true);
    const payment = await createPayment(stack, shop, provider, 3300);
    await payAtProvider(stack, shop, provider, payment.id);

    const death = await Promise.race([
      doomed.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the API did not die')), 15_000)),
    ]);
    expect(death.signal).toBe('SIGKILL');

    // Committed before the kill: applied once, with its event ...
    const applied = await paymentRow(stack, payment.id);
    expect(applied.status).toBe('succeeded');
    expect(await eventTypes(stack, payment.id)).toEqual(['payment.succeeded']);
    expect(outcomes(await notificationRecords(stack, { paymentId: payment.id }))).toEqual({ applied: 1 });
    // ... but never acknowledged: the provider saw the connection drop and will retry.
    const [pending] = await waitForNotifications(
      stack,
      shop,
      provider,
      payment.id,
      (n) => n.attempt_log.length > 0,
    );
    if (!pending) throw new Error('no notification');
    expect(pending.status).not.toBe('delivered');
    expect(pending.attempt_log[0]?.acknowledged).toBe(false);
    expect(pending.attempt_log[0]?.status_code).toBeNull();
    expect(pending.attempt_log[0]?.error).toBeTruthy();

    // A fresh process on the same database; the provider's next retry is brought forward.
    const revived = await startApi(false);
    try {
      await notificationAction(stack, pending.id, 'delay', { seconds: 0 });
      const [done] = await waitForNotifications(stack, shop, provider, payment.id, delivered);
      const log = (done as SandboxNotification).attempt_log;
      expect(log.length).toBeGreaterThanOrEqual(2);
      expect(log.slice(0, -1).every((a) => !a.acknowledged)).toBe(true);
      expect(acknowledgedAsRequired(provider, log.at(-1))).toBe(true);

      const after = await paymentRow(stack, payment.id);
      expect(after.status).toBe('succeeded');
      expect(after.paid_at).toEqual(applied.paid_at);
      expect(after.provider_transaction_id).toBe(applied.provider_transaction_id);
      expect(after.updated_at).toEqual(applied.updated_at);
      expect(await eventTypes(stack, payment.id)).toEqual(['payment.succeeded']);
      const records = await notificationRecords(stack, { paymentId: payment.id });
      expect(records.map((r) => r.outcome)).toEqual(['applied', 'duplicate']);
      expect(records[1]?.provider_notification_id).toBe(records[0]?.provider_notification_id);
      // Nothing else is in flight for this order.
      const final = await eventually('the log to settle', async () => {
        const all = await sandboxNotifications(stack, shop, provider, payment.id);
        return all.every((n) => n.status === 'delivered') ? all : undefined;
      });
      expect(final).toHaveLength(1);
    } finally {
      await revived.stop();
    }
  });
});
