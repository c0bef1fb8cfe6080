import { randomUUID } from 'node:crypto';
import { isPaymuxError, type PaymuxError } from '@paymux/core';
import {
  type CreatePaymentInput,
  createPaymentProvider,
  type PaymentProvider,
  type ProviderAccount,
  sandboxEndpoints,
} from '@paymux/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type NotifyReceiver,
  type SandboxServer,
  startNotifyReceiver,
  startSandboxServer,
} from '../../services/sandbox/test/support/sandbox-server.ts';
import { alipayFixture, type ProviderFixture, wechatpayFixture } from './provider-fixtures.ts';
import { startTamperingProxy, type TamperingProxy } from './tampering-proxy.ts';

// The Alipay SDK stamps v2 timestamps in process-local time; the adapter must not care.
process.env.TZ = 'UTC';

async function expectError(promise: Promise<unknown>, code: PaymuxError['code']): Promise<PaymuxError> {
  try {
    await promise;
  } catch (error) {
    if (isPaymuxError(error) && error.code === code) return error;
    throw new Error(`expected ${code}, got ${isPaymuxError(error) ? error.code : String(error)}`);
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

/**
 * One contract for every provider adapter, run against the sandbox over HTTP. A provider
 * supplies only its fixture (expectation table); the test names are the same for both.
 */
function providerContract(fixture: ProviderFixture): void {
  describe(`${fixture.name} adapter contract`, () => {
    let server: SandboxServer;
    let receiver: NotifyReceiver;
    let proxy: TamperingProxy;
    let account: ProviderAccount;
    let merchant: string;
    let provider: PaymentProvider;

    beforeAll(async () => {
      server = await startSandboxServer();
      receiver = await startNotifyReceiver();
      proxy = await startTamperingProxy(server.origin);
      ({ account, merchant } = await fixture.createAccount(server.sandboxUrl));
      provider = createPaymentProvider(account, sandboxEndpoints(server.sandboxUrl), { timeoutMs: 5_000 });
    }, 60_000);
    afterAll(async () => {
      await proxy?.close();
      await receiver?.close();
      await server?.close();
    });

    /** The first notification about `outTradeNo` (others, e.g. refund notices, may arrive meanwhile). */
    const notificationFor = async (outTradeNo: string) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        for (const r of receiver.received) {
          // WeChat Pay encrypts the resource, so match on the parsed notification.
          const parsed = await provider
            .parseNotification({ headers: r.headers, rawBody: r.body })
            .catch(() => undefined);
          if (parsed?.outTradeNo === outTradeNo && parsed.kind === 'payment') return r;
        }
        if (Date.now() > deadline) throw new Error(`no notification for ${outTradeNo}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    const newPayment = (channel = fixture.channels[0], amount = 1234n): CreatePaymentInput => ({
      channel: channel as CreatePaymentInput['channel'],
      outTradeNo: `pay_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      amount,
      currency: 'CNY',
      description: 'Contract test 合同测试',
      expiresAt: new Date(Date.now() + 15 * 60_000),
      notifyUrl: receiver.url,
      payerOpenid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      clientIp: '203.0.113.7',
      returnUrl: 'https://shop.example.com/return',
    });

    it('creates a payment for each channel and returns its next action', async () => {
      for (const channel of fixture.channels) {
        const result = await provider.createPayment(newPayment(channel));
        expect(result.nextAction.type, channel).toBe(fixture.nextActionType[channel]);
      }
    });

    it('reports an unknown order as not_found', async () => {
      const result = await provider.queryPayment({
        outTradeNo: `pay_${randomUUID().slice(0, 8)}`,
        expectedAmount: 1n,
      });
      expect(result.status).toBe('not_found');
    });

    it('queries a paid payment as succeeded with its transaction id and amount', async () => {
      const input = newPayment();
      await provider.createPayment(input);
      await fixture.pay(server.sandboxUrl, merchant, input.outTradeNo);
      const result = await provider.queryPayment({
        outTradeNo: input.outTradeNo,
        expectedAmount: input.amount,
      });
      expect(result.status).toBe('succeeded');
      expect(result.amount).toBe(input.amount);
      expect(result.providerTransactionId).toEqual(expect.any(String));
    });

    it('refuses an amount that differs from ours', async () => {
      const input = newPayment();
      await provider.createPayment(input);
      await fixture.pay(server.sandboxUrl, merchant, input.outTradeNo);
      await expectError(
        provider.queryPayment({ outTradeNo: input.outTradeNo, expectedAmount: input.amount + 1n }),
        'amount_mismatch',
      );
    });

    it('closes a pending payment', async () => {
      const input = newPayment();
      await provider.createPayment(input);
      await provider.closePayment({ outTradeNo: input.outTradeNo });
      const result = await provider.queryPayment({
        outTradeNo: input.outTradeNo,
        expectedAmount: input.amount,
      });
      expect(['closed', 'not_found']).toContain(result.status);
    });

    it('refunds part of a paid payment, then queries the refund', async () => {
      const input = newPayment(fixture.channels[0], 5000n);
      await provider.createPayment(input);
      await fixture.pay(server.sandboxUrl, merchant, input.outTradeNo);
      const outRefundNo = `rfd_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      const refund = await provider.refund({
        outTradeNo: input.outTradeNo,
        outRefundNo,
        amount: 1500n,
        paymentAmount: 5000n,
        reason: 'contract test',
        notifyUrl: receiver.url,
      });
      expect(['pending', 'succeeded']).toContain(refund.status);
      const deadline = Date.now() + 5_000;
      let status = refund.status;
      while (status !== 'succeeded' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = (
          await provider.queryRefund({ outTradeNo: input.outTradeNo, outRefundNo, expectedAmount: 1500n })
        ).status;
      }
      expect(status).toBe('succeeded');
    });

    it('parses a genuine notification into a canonical event, and acknowledges as the provider requires', async () => {
      const input = newPayment();
      await provider.createPayment(input);
      await fixture.pay(server.sandboxUrl, merchant, input.outTradeNo);
      const received = await notificationFor(input.outTradeNo);
      const event = await provider.parseNotification({ headers: received.headers, rawBody: received.body });
      expect(event).toMatchObject({
        kind: 'payment',
        outTradeNo: input.outTradeNo,
        status: 'succeeded',
        amount: input.amount,
      });
      const ack = provider.acknowledge(true);
      expect(ack.status).toBeLessThan(300);
      if (fixture.name === 'alipay') expect(ack.body).toBe('success');
      else expect(ack.body).toBe('');
      expect(provider.acknowledge(false).status).toBeGreaterThanOrEqual(400);
    });

    it('rejects a forged notification: one changed byte, or another account’s notification', async () => {
      const input = newPayment();
      await provider.createPayment(input);
      await fixture.pay(server.sandboxUrl, merchant, input.outTradeNo);
      const received = await notificationFor(input.outTradeNo);
      const tampered = received.body.replace(/.(?=.{10}$)/, (ch) => (ch === 'A' ? 'B' : 'A'));
      await expectError(
        provider.parseNotification({ headers: received.headers, rawBody: tampered }),
        'notification_rejected',
      );
      // The same genuine notification presented to another merchant account of the same kind.
      const { account: otherAccount } = await fixture.createAccount(server.sandboxUrl);
      const other = createPaymentProvider(otherAccount, sandboxEndpoints(server.sandboxUrl));
      await expectError(
        other.parseNotification({ headers: received.headers, rawBody: received.body }),
        'notification_rejected',
      );
    });

    it('refuses a response tampered with in transit', async () => {
      const viaProxy = createPaymentProvider(account, sandboxEndpoints(`${proxy.origin}/sandbox`), {
        timeoutMs: 5_000,
      });
      proxy.tamper = (body) => body.replace(fixture.tamperTarget, (m) => m.replace(/.(?=")/, 'X'));
      try {
        await expectError(viaProxy.createPayment(newPayment()), 'provider_error');
      } finally {
        proxy.tamper = undefined;
      }
      // Control: through the untouched proxy the same call works.
      await expect(viaProxy.createPayment(newPayment())).resolves.toBeDefined();
    });

    it('refuses bad credentials and reports them as invalid', async () => {
      const bad = createPaymentProvider(
        await fixture.withWrongKey(account),
        sandboxEndpoints(server.sandboxUrl),
      );
      await expectError(bad.createPayment(newPayment()), 'provider_error');
      expect((await bad.verifyCredentials(new Date())).health).toBe('invalid_credentials');
    });

    it('verifies good credentials as ok, and an unreachable provider as unreachable', async () => {
      expect((await provider.verifyCredentials(new Date())).health).toBe('ok');
      const nowhere = createPaymentProvider(account, sandboxEndpoints('http://127.0.0.1:9/sandbox'), {
        timeoutMs: 2_000,
      });
      expect((await nowhere.verifyCredentials(new Date())).health).toBe('unreachable');
    });

    it("fetches a past day's bill", async () => {
      const yesterday = new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
      const res = await fetch(
        `${server.sandboxUrl}/_admin/bills/${fixture.name}/${merchant}/${yesterday}/adjustments`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'add', row: {} }),
        },
      );
      expect(res.status).toBe(201);
      const chunks: Uint8Array[] = [];
      for await (const chunk of await provider.fetchBill({ date: yesterday })) chunks.push(chunk);
      expect(Buffer.concat(chunks).length).toBeGreaterThan(0);
    });
  });
}

providerContract(wechatpayFixture);
providerContract(alipayFixture);
