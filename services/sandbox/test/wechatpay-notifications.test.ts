import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decryptAead } from '../src/crypto/aead.ts';
import { WECHATPAY_RETRY_SCHEDULE_S } from '../src/notifications/policy.ts';
import type { MerchantBundle } from '../src/wechatpay/merchants/issue-merchant.ts';
import { type SandboxServer, startNotifyReceiver, startSandboxServer } from './support/sandbox-server.ts';
import {
  adminGet,
  adminPost,
  createMerchant,
  newOutNo,
  sdkFor,
  TrustingPay,
  type WireResponse,
  wechatpaySignatureValid,
} from './support/wechatpay-client.ts';

// Notifications as WeChat Pay sends them: signed per attempt with the merchant's
// verification key, resource encrypted with the APIv3 key, retried on WeChat's schedule
// (time-compressed by the server's time factor) until the merchant answers 200/204.

let server: SandboxServer;
let merchant: MerchantBundle;
let pay: TrustingPay;
const receivers: Array<{ close(): Promise<void> }> = [];

async function receiver() {
  const r = await startNotifyReceiver();
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  server = await startSandboxServer({ timeFactor: 1000 });
  merchant = await createMerchant(server.sandboxUrl, { name: 'Notify merchant' });
  pay = sdkFor(merchant, server.sandboxUrl);
  TrustingPay.trust(merchant.wechatpay_public_key_id, merchant.wechatpay_public_key);
});
afterAll(async () => {
  await server?.close();
  for (const r of receivers) await r.close();
});

async function placeNative(p: TrustingPay, notifyUrl: string, total = 888) {
  const outTradeNo = newOutNo();
  const res = (await p.transactions_native({
    description: 'Notification test',
    out_trade_no: outTradeNo,
    notify_url: notifyUrl,
    amount: { total, currency: 'CNY' },
  })) as WireResponse;
  expect(res.status).toBe(200);
  return outTradeNo;
}

const payOrder = (m: MerchantBundle, outTradeNo: string, outcome: 'pay' | 'fail' = 'pay') =>
  adminPost(server.sandboxUrl, `/wechatpay/merchants/${m.mchid}/orders/${outTradeNo}/${outcome}`);

const notificationsOf = async (m: MerchantBundle, ref: string) =>
  (await adminGet(server.sandboxUrl, `/wechatpay/merchants/${m.mchid}/orders/${ref}/notifications`)).json
    .data;

function decryptResource(m: MerchantBundle, body: string) {
  const envelope = JSON.parse(body);
  const { ciphertext, nonce, associated_data: associatedData } = envelope.resource;
  return { envelope, resource: JSON.parse(decryptAead(m.apiv3_key, { ciphertext, nonce, associatedData })) };
}

describe('TRANSACTION.SUCCESS', () => {
  it('arrives signed with the WeChat Pay public key and decrypts (tag checked) to the paid transaction', async () => {
    const notify = await receiver();
    const outTradeNo = await placeNative(pay, notify.url);
    expect((await payOrder(merchant, outTradeNo)).status).toBe(200);
    const [request] = await notify.waitFor(1);
    if (!request) throw new Error('no notification');

    expect(request.headers['content-type']).toContain('application/json');
    expect(request.headers['wechatpay-serial']).toBe(merchant.wechatpay_public_key_id);
    expect(request.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(Math.abs(Number(request.headers['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(wechatpaySignatureValid(merchant, request.headers, request.body)).toBe(true);
    const viaSdk = await pay.verifySign({
      timestamp: request.headers['wechatpay-timestamp'] ?? '',
      nonce: request.headers['wechatpay-nonce'] ?? '',
      serial: request.headers['wechatpay-serial'] ?? '',
      signature: request.headers['wechatpay-signature'] ?? '',
      body: request.body,
    });
    expect(viaSdk).toBe(true);

    const { envelope, resource } = decryptResource(merchant, request.body);
    expect(envelope).toMatchObject({
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        associated_data: 'transaction',
      },
    });
    expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(envelope.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(envelope.resource.nonce).toHaveLength(12);
    const queried = (await pay.query({ out_trade_no: outTradeNo })) as WireResponse;
    expect(resource).toEqual(queried.data);
    expect(resource).toMatchObject({ trade_state: 'SUCCESS', amount: { total: 888, payer_total: 888 } });
    expect(pay.decipher_gcm(envelope.resource.ciphertext, 'transaction', envelope.resource.nonce)).toEqual(
      resource,
    );
  });

  it('is signed with the platform certificate for a merchant in certificate mode', async () => {
    const certMerchant = await createMerchant(server.sandboxUrl, {
      verification_mode: 'platform_certificate',
    });
    const certPay = sdkFor(certMerchant, server.sandboxUrl);
    const notify = await receiver();
    const outTradeNo = await placeNative(certPay, notify.url);
    await payOrder(certMerchant, outTradeNo);
    const [request] = await notify.waitFor(1);
    expect(request?.headers['wechatpay-serial']).toBe(certMerchant.platform_serial_no);
    expect(wechatpaySignatureValid(certMerchant, request?.headers ?? {}, request?.body ?? '')).toBe(true);
    expect(wechatpaySignatureValid(merchant, request?.headers ?? {}, request?.body ?? '')).toBe(false);
  });

  it('is not sent for a failed payment (PAYERROR shows on query only)', async () => {
    const notify = await receiver();
    const outTradeNo = await placeNative(pay, notify.url);
    expect((await payOrder(merchant, outTradeNo, 'fail')).status).toBe(200);
    const queried = (await pay.query({ out_trade_no: outTradeNo })) as WireResponse;
    expect(queried.data.trade_state).toBe('PAYERROR');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notify.received).toHaveLength(0);
    expect(await notificationsOf(merchant, outTradeNo)).toEqual([]);
  });
});

describe('delivery', () => {
  it('retries a failing receiver on the (compressed) schedule, re-signing each attempt, and stops once acknowledged', async () => {
    const notify = await receiver();
    notify.respond = (_req, index) =>
      index < 4 ? { status: 500, body: '{"code":"FAIL","message":"失败"}' } : { status: 204 };
    const outTradeNo = await placeNative(pay, notify.url);
    await payOrder(merchant, outTradeNo);
    const attempts = await notify.waitFor(5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(notify.received).toHaveLength(5);

    const factor = server.deps.config.timeFactor;
    for (let i = 1; i < attempts.length; i += 1) {
      const gap = (attempts[i]?.at ?? 0) - (attempts[i - 1]?.at ?? 0);
      const scheduled = ((WECHATPAY_RETRY_SCHEDULE_S[i - 1] ?? 0) * 1000) / factor;
      expect(gap).toBeGreaterThanOrEqual(scheduled - 2);
      expect(gap).toBeLessThan(scheduled + 250);
    }
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers['wechatpay-nonce'])).size).toBe(5);
    for (const a of attempts) expect(wechatpaySignatureValid(merchant, a.headers, a.body)).toBe(true);

    const [record] = await notificationsOf(merchant, outTradeNo);
    expect(record).toMatchObject({ status: 'delivered', attempts: 5 });
    expect(
      record.attempt_log.map((a: { status_code: number; acknowledged: boolean }) => [
        a.status_code,
        a.acknowledged,
      ]),
    ).toEqual([
      [500, false],
      [500, false],
      [500, false],
      [500, false],
      [204, true],
    ]);
  });

  it('counts HTTP 200 as received even with a body', async () => {
    const notify = await receiver();
    notify.respond = () => ({ status: 200, body: '{"code":"SUCCESS","message":"成功"}' });
    const outTradeNo = await placeNative(pay, notify.url);
    await payOrder(merchant, outTradeNo);
    await notify.waitFor(1);
    await vi.waitFor(async () =>
      expect((await notificationsOf(merchant, outTradeNo))[0]?.status).toBe('delivered'),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notify.received).toHaveLength(1);
  });

  it('withholds a notification until the order releases it', async () => {
    const notify = await receiver();
    const outTradeNo = await placeNative(pay, notify.url);
    const base = `/wechatpay/merchants/${merchant.mchid}/orders/${outTradeNo}`;
    expect(
      (await adminPost(server.sandboxUrl, `${base}/withhold_notifications`, { withhold: true })).status,
    ).toBe(200);
    await payOrder(merchant, outTradeNo);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(notify.received).toHaveLength(0);
    expect((await notificationsOf(merchant, outTradeNo))[0]?.status).toBe('withheld');
    await adminPost(server.sandboxUrl, `${base}/withhold_notifications`, { withhold: false });
    const [request] = await notify.waitFor(1);
    expect(decryptResource(merchant, request?.body ?? '').resource.out_trade_no).toBe(outTradeNo);
  });

  it('sends SIGNTEST probes whose signature fails verification, and retries them like any notification', async () => {
    const notify = await receiver();
    // A careful merchant rejects what does not verify.
    notify.respond = (req) => ({
      status: wechatpaySignatureValid(merchant, req.headers, req.body) ? 204 : 401,
    });
    const probe = await adminPost(server.sandboxUrl, `/wechatpay/merchants/${merchant.mchid}/signtest`, {
      url: notify.url,
    });
    expect(probe.status).toBe(201);
    const [first, second] = await notify.waitFor(2);
    for (const request of [first, second]) {
      expect(request?.headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\/[A-Za-z0-9+/=]+$/);
      expect(request?.headers['wechatpay-serial']).toBe(merchant.wechatpay_public_key_id);
      expect(wechatpaySignatureValid(merchant, request?.headers ?? {}, request?.body ?? '')).toBe(false);
    }
    expect(first?.headers['wechatpay-nonce']).not.toBe(second?.headers['wechatpay-nonce']);
    const sdkVerdict = await pay.verifySign({
      timestamp: first?.headers['wechatpay-timestamp'] ?? '',
      nonce: first?.headers['wechatpay-nonce'] ?? '',
      serial: first?.headers['wechatpay-serial'] ?? '',
      signature: first?.headers['wechatpay-signature'] ?? '',
      body: first?.body ?? '',
    });
    expect(sdkVerdict).toBe(false);
    // The probe's body itself is well formed: only the signature gives it away.
    expect(decryptResource(merchant, first?.body ?? '').resource.out_trade_no).toBe(probe.json.ref);
  });
});

describe('an unacknowledged notification', () => {
  let fast: SandboxServer;
  beforeAll(async () => {
    fast = await startSandboxServer({ timeFactor: 100_000 });
  });
  afterAll(async () => {
    await fast?.close();
  });

  it('is given up ("exhausted") after the whole schedule: 1 + 15 attempts', async () => {
    const m = await createMerchant(fast.sandboxUrl);
    const p = sdkFor(m, fast.sandboxUrl);
    const notify = await receiver();
    notify.respond = () => ({ status: 503 });
    const outTradeNo = newOutNo();
    await p.transactions_native({
      description: 'Never acknowledged',
      out_trade_no: outTradeNo,
      notify_url: notify.url,
      amount: { total: 1 },
    });
    await adminPost(fast.sandboxUrl, `/wechatpay/merchants/${m.mchid}/orders/${outTradeNo}/pay`);
    const expected = WECHATPAY_RETRY_SCHEDULE_S.length + 1;
    await vi.waitFor(
      async () => {
        const { json } = await adminGet(
          fast.sandboxUrl,
          `/wechatpay/merchants/${m.mchid}/orders/${outTradeNo}/notifications`,
        );
        expect(json.data[0]).toMatchObject({ status: 'exhausted', attempts: expected });
      },
      { timeout: 15_000, interval: 50 },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notify.received).toHaveLength(expected);
  });
});
