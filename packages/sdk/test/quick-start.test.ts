import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SandboxedApi,
  signUpWithTestMode,
  startSandboxedApi,
} from '../../../services/api/test/support/sandbox-app.ts';
import { Paymux, PaymuxError } from '../src/index.ts';
import { apiKeyFile } from './support/api-server.ts';

// The README's quick start, end to end: the API over HTTP, routing test mode to the real sandbox.

let api: SandboxedApi;
let server: Server;
let paymux: Paymux;
let shop: Awaited<ReturnType<typeof signUpWithTestMode>>;

beforeAll(async () => {
  api = await startSandboxedApi();
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  shop = await signUpWithTestMode(api);
  paymux = new Paymux({
    privateKey: apiKeyFile(shop.key),
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
}, 60_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await api?.close();
});

const orderId = () => `order-${randomUUID().slice(0, 12)}`;

describe('quick start', () => {
  it('creates a test payment, shows its QR code, pays it through the test helper and refunds part of it', async () => {
    const payment = await paymux.payments.create({
      amount: 100,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: '乌龙茶 Oolong tea',
      merchant_order_id: orderId(),
      metadata: { cart: '42' },
    });
    expect(payment).toMatchObject({
      object: 'payment',
      status: 'requires_payment',
      amount: 100,
      livemode: false,
      merchant_account: shop.accounts.alipay.id,
      metadata: { cart: '42' },
    });
    expect(payment.next_action?.type).toBe('qr_code');

    const paid = await paymux.testHelpers.payments.pay(payment.id);
    expect(paid.status).toBe('succeeded');
    await expect(paymux.payments.retrieve(payment.id)).resolves.toMatchObject({ status: 'succeeded' });

    const succeeded = await paymux.payments.list({ status: 'succeeded', limit: 100 });
    expect(succeeded.data.map((p) => p.id)).toContain(payment.id);

    const refund = await paymux.refunds.create({ payment: payment.id, amount: 40, reason: 'one cup short' });
    expect(refund).toMatchObject({ object: 'refund', payment: payment.id, amount: 40 });
    await expect(paymux.refunds.retrieve(refund.id)).resolves.toMatchObject({ id: refund.id });
    const refunds = await paymux.refunds.list({ payment: payment.id });
    expect(refunds.data.map((r) => r.id)).toEqual([refund.id]);
  });

  it('closes an unpaid payment', async () => {
    const payment = await paymux.payments.create({
      amount: 990,
      currency: 'CNY',
      channel: 'wechat.native',
      description: 'Green tea',
      merchant_order_id: orderId(),
    });
    await expect(paymux.payments.close(payment.id)).resolves.toMatchObject({
      id: payment.id,
      status: 'closed',
    });
  });

  it('replays a create sent twice with one Idempotency-Key, and refuses that key with another body', async () => {
    const params = {
      amount: 300,
      currency: 'CNY',
      channel: 'alipay.qr',
      description: 'Idempotent tea',
      merchant_order_id: orderId(),
    } as const;
    const idempotencyKey = randomUUID();
    const first = await paymux.payments.create(params, { idempotencyKey });
    const again = await paymux.payments.create(params, { idempotencyKey });
    expect(again.id).toBe(first.id);

    const error = await paymux.payments
      .create({ ...params, amount: 301 }, { idempotencyKey })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymuxError);
    expect(error).toMatchObject({ status: 422, code: 'idempotency_key_reused', retryable: false });
  });

  it('walks payments created in a time window with listAll', async () => {
    const since = new Date(Date.now() - 1000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const payment = await paymux.payments.create({
        amount: 100 + i,
        currency: 'CNY',
        channel: 'alipay.qr',
        description: `Window ${i}`,
        merchant_order_id: orderId(),
      });
      ids.push(payment.id);
    }
    const walked: string[] = [];
    for await (const payment of paymux.payments.listAll({ limit: 2, created_gte: since }))
      walked.push(payment.id);
    expect(walked).toEqual(expect.arrayContaining(ids));
    expect(walked.slice(0, 3)).toEqual([...ids].reverse());
  });
});
