process.env.TZ = 'Asia/Shanghai'; // the SDK stamps requests in local time

import type { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIPAY_RETRY_SCHEDULE_S } from '../src/notifications/policy.ts';
import {
  type AlipayTestApp,
  admin,
  alipaySdk,
  createAlipayApp,
  eventually,
  notificationsFor,
  outTradeNo,
} from './support/alipay-client.ts';
import {
  type NotifyReceiver,
  type SandboxServer,
  startNotifyReceiver,
  startSandboxServer,
} from './support/sandbox-server.ts';

interface AdminNotification {
  id: string;
  status: string;
  attempts: number;
  kind: string;
  body: string;
  attempt_log: Array<{ attempt: number; status_code: number | null; acknowledged: boolean }>;
}

async function createTrade(sdk: AlipaySdk, notifyUrl: string): Promise<string> {
  const no = outTradeNo('N');
  const result = await sdk.exec('alipay.trade.precreate', {
    notifyUrl,
    bizContent: { outTradeNo: no, totalAmount: '0.50', subject: '通知测试' },
  });
  expect(result.code).toBe('10000');
  return no;
}

async function notificationsOf(
  server: SandboxServer,
  app: AlipayTestApp,
  no: string,
): Promise<AdminNotification[]> {
  const res = await fetch(`${server.sandboxUrl}/_admin/alipay/apps/${app.app_id}/orders/${no}/notifications`);
  return ((await res.json()) as { data: AdminNotification[] }).data;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('trade notifications at timeFactor 1000', () => {
  let server: SandboxServer;
  let receiver: NotifyReceiver;
  let app: AlipayTestApp;
  let sdk: AlipaySdk;

  beforeAll(async () => {
    server = await startSandboxServer({ timeFactor: 1000 });
    receiver = await startNotifyReceiver();
    app = await createAlipayApp(server);
    sdk = alipaySdk(server, app);
  });

  afterAll(async () => {
    await receiver?.close();
    await server?.close();
  });

  it('are retried on Alipay\'s schedule until the answer is exactly "success"', async () => {
    const answers = [
      { status: 200, body: 'SUCCESS' },
      { status: 200, body: 'ok' },
      { status: 500, body: 'success' },
      { status: 200, body: 'success' },
    ];
    receiver.respond = (_req, index) => answers[index] ?? { status: 200, body: 'success' };
    const no = await createTrade(sdk, receiver.url);
    const paid = await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/pay`);
    expect(paid.status).toBe(200);

    const deliveries = await receiver.waitFor(4, 10_000);
    await sleep(800); // longer than the next retry would have waited (600 s / 1000)
    expect(receiver.received).toHaveLength(4);
    // Alipay posts the same signed form every time.
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    const form = Object.fromEntries(new URLSearchParams(deliveries[0]?.body));
    expect(sdk.checkNotifySignV2(form)).toBe(true);
    expect(deliveries[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    // Each gap is at least the scheduled delay, compressed by the time factor (less delivery jitter).
    for (let i = 1; i < deliveries.length; i += 1) {
      const gap = (deliveries[i]?.at ?? 0) - (deliveries[i - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(((ALIPAY_RETRY_SCHEDULE_S[i - 1] ?? 0) * 1000) / 1000 - 50);
    }

    const [stored] = await notificationsOf(server, app, no);
    expect(stored).toMatchObject({ status: 'delivered', attempts: 4, kind: 'transaction' });
    expect(stored?.attempt_log.map((a) => a.acknowledged)).toEqual([false, false, false, true]);
  });

  it('are withheld while the order withholds them, and sent once released', async () => {
    receiver.respond = () => ({ status: 200, body: 'success' });
    const before = receiver.received.length;
    const no = await createTrade(sdk, receiver.url);
    expect(
      (
        await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/withhold_notifications`, {
          withhold: true,
        })
      ).status,
    ).toBe(200);
    await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/pay`);

    await sleep(300);
    expect(notificationsFor(receiver.received.slice(before), no)).toHaveLength(0);
    expect((await notificationsOf(server, app, no))[0]?.status).toBe('withheld');

    await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/withhold_notifications`, {
      withhold: false,
    });
    const [form] = await eventually(() => {
      const found = notificationsFor(receiver.received, no);
      return found.length > 0 ? found : undefined;
    });
    expect(sdk.checkNotifySignV2(form as Record<string, string>)).toBe(true);
    // The receiver answers before the dispatcher records the attempt: wait for the record.
    const status = await eventually(async () => {
      const s = (await notificationsOf(server, app, no))[0]?.status;
      return s === 'delivered' ? s : undefined;
    });
    expect(status).toBe('delivered');
  });

  it('are not sent when the payer fails: an Alipay trade just keeps waiting', async () => {
    receiver.respond = () => ({ status: 200, body: 'success' });
    const no = await createTrade(sdk, receiver.url);
    const failed = await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/fail`);
    expect(failed.status).toBe(200);
    await sleep(300);
    expect(notificationsFor(receiver.received, no)).toHaveLength(0);
    const query = await sdk.exec(
      'alipay.trade.query',
      { bizContent: { outTradeNo: no } },
      { validateSign: true },
    );
    expect(query.tradeStatus).toBe('WAIT_BUYER_PAY');
    const closed = await sdk.exec(
      'alipay.trade.close',
      { bizContent: { outTradeNo: no } },
      { validateSign: true },
    );
    expect(closed.code).toBe('10000');
  });

  it('go nowhere without a notify_url (one inside biz_content does not count, as at Alipay)', async () => {
    const no = outTradeNo('N');
    await sdk.exec('alipay.trade.precreate', {
      bizContent: { outTradeNo: no, totalAmount: '0.50', subject: 's', notifyUrl: receiver.url },
    });
    await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/pay`);
    expect(await notificationsOf(server, app, no)).toEqual([]);
  });
});

describe('trade notifications at timeFactor 100000', () => {
  let server: SandboxServer;
  let receiver: NotifyReceiver;

  beforeAll(async () => {
    server = await startSandboxServer({ timeFactor: 100_000 });
    receiver = await startNotifyReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await server?.close();
  });

  it('give up ("exhausted") after the whole schedule: 1 attempt and 7 retries over about 25 hours', async () => {
    receiver.respond = () => ({ status: 500, body: 'fail' });
    const app = await createAlipayApp(server);
    const sdk = alipaySdk(server, app);
    const no = await createTrade(sdk, receiver.url);
    await admin(server, `/alipay/apps/${app.app_id}/orders/${no}/pay`);

    const attempts = ALIPAY_RETRY_SCHEDULE_S.length + 1;
    await receiver.waitFor(attempts, 15_000);
    const [stored] = await eventually(async () => {
      const found = await notificationsOf(server, app, no);
      return found[0]?.status === 'exhausted' ? found : undefined;
    });
    expect(stored?.attempts).toBe(attempts);
    await sleep(300);
    expect(receiver.received).toHaveLength(attempts);
  });
});
