import { createHash, createVerify } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shanghaiDate } from '../src/bills/day-activity.ts';
import { decryptAead } from '../src/crypto/aead.ts';
import { certificateSerial } from '../src/crypto/certificates.ts';
import type { MerchantBundle } from '../src/wechatpay/merchants/issue-merchant.ts';
import {
  type NotifyReceiver,
  type SandboxServer,
  startNotifyReceiver,
  startSandboxServer,
} from './support/sandbox-server.ts';
import {
  adminPost,
  createMerchant,
  newOutNo,
  sdkFor,
  TrustingPay,
  type WireResponse,
  wechatpaySignatureValid,
} from './support/wechatpay-client.ts';

// The official wechatpay-node-v3 2.2.1 driving the sandbox over real HTTP, in both
// verification modes. Every answer's signature is checked by hand and through the SDK.

let server: SandboxServer;
let receiver: NotifyReceiver;

beforeAll(async () => {
  server = await startSandboxServer();
  receiver = await startNotifyReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await server?.close();
});

async function expectSigned(pay: TrustingPay, merchant: MerchantBundle, res: WireResponse, serial: string) {
  expect(res.headers['request-id']).toMatch(/^[0-9A-F]+-0$/);
  expect(res.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
  expect(res.headers['wechatpay-serial']).toBe(serial);
  expect(Math.abs(Number(res.headers['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
  expect(wechatpaySignatureValid(merchant, res.headers, res.text)).toBe(true);
  const viaSdk = await pay.verifySign({
    timestamp: res.headers['wechatpay-timestamp'] ?? '',
    nonce: res.headers['wechatpay-nonce'] ?? '',
    serial: res.headers['wechatpay-serial'] ?? '',
    signature: res.headers['wechatpay-signature'] ?? '',
    body: res.text,
  });
  expect(viaSdk).toBe(true);
}

const orderParams = (receiverUrl: string, total = 1234) => ({
  description: 'Sandbox T-shirt',
  out_trade_no: newOutNo(),
  notify_url: receiverUrl,
  amount: { total, currency: 'CNY' },
  attach: 'cart=42',
});

describe.each(['public_key', 'platform_certificate'] as const)('wechatpay-node-v3 in %s mode', (mode) => {
  let merchant: MerchantBundle;
  let pay: TrustingPay;
  let serial: string;

  beforeAll(async () => {
    merchant = await createMerchant(server.sandboxUrl, { name: `Contract ${mode}`, verification_mode: mode });
    pay = sdkFor(merchant, server.sandboxUrl);
    if (mode === 'public_key') {
      serial = merchant.wechatpay_public_key_id;
      // The SDK cannot fetch a public key; a merchant configures it (provider reference §2.1).
      TrustingPay.trust(serial, merchant.wechatpay_public_key);
    } else {
      // Left uncached on purpose: verifySign must fetch /v3/certificates through the sandbox.
      serial = merchant.platform_serial_no;
    }
  });

  it('issues a merchant whose certificate serial and key ids look like WeChat Pay’s', () => {
    expect(merchant.mchid).toMatch(/^19\d{8}$/);
    expect(merchant.appid).toMatch(/^wx[0-9a-f]{16}$/);
    expect(Buffer.byteLength(merchant.apiv3_key)).toBe(32);
    expect(merchant.wechatpay_public_key_id).toMatch(/^PUB_KEY_ID_\d{32}$/);
    expect(certificateSerial(merchant.merchant_certificate)).toBe(merchant.merchant_serial_no);
    expect(certificateSerial(merchant.platform_certificate)).toBe(merchant.platform_serial_no);
    expect(merchant.merchant_private_key).toContain('BEGIN PRIVATE KEY');
  });

  it('transactions_native → code_url on the payer page, signed', async () => {
    const res = (await pay.transactions_native(orderParams(receiver.url))) as WireResponse;
    expect(res.status).toBe(200);
    expect(res.data.code_url).toMatch(new RegExp(`^${server.sandboxUrl}/pay/[A-Za-z0-9_-]+$`));
    // In certificate mode nothing is cached yet: verifySign has to download and decrypt
    // the platform certificate through the sandbox's /v3/certificates by itself.
    expect(TrustingPay.trusted(serial)).toBe(mode === 'public_key');
    await expectSigned(pay, merchant, res, serial);
    expect(TrustingPay.trusted(serial)).toBe(true);
    const page = await fetch(res.data.code_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Contract ${mode}`);
  });

  it('transactions_jsapi → prepay_id, and the SDK’s paySign verifies with the merchant certificate', async () => {
    const res = (await pay.transactions_jsapi({
      ...orderParams(receiver.url),
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    })) as WireResponse;
    expect(res.status).toBe(200);
    const { appId, timeStamp, nonceStr, package: pkg, signType, paySign } = res.data;
    expect(appId).toBe(merchant.appid);
    expect(pkg).toMatch(/^prepay_id=wx\d{14}[0-9a-f]{20}$/);
    expect(signType).toBe('RSA');
    const verify = createVerify('RSA-SHA256').update(`${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`);
    expect(verify.verify(merchant.merchant_certificate, paySign, 'base64')).toBe(true);
    await expectSigned(pay, merchant, res, serial);
  });

  it('transactions_h5 → h5_url; transactions_app → prepayid with a verifiable app sign', async () => {
    const h5 = (await pay.transactions_h5({
      ...orderParams(receiver.url),
      scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap', app_name: 'Paymux' } },
    })) as WireResponse;
    expect(h5.status).toBe(200);
    expect(h5.data.h5_url).toContain('/pay/');
    await expectSigned(pay, merchant, h5, serial);

    const app = (await pay.transactions_app(orderParams(receiver.url))) as WireResponse;
    expect(app.status).toBe(200);
    const { appid, timestamp, noncestr, prepayid, sign } = app.data;
    expect(prepayid).toMatch(/^wx/);
    const verify = createVerify('RSA-SHA256').update(`${appid}\n${timestamp}\n${noncestr}\n${prepayid}\n`);
    expect(verify.verify(merchant.merchant_certificate, sign, 'base64')).toBe(true);
    await expectSigned(pay, merchant, app, serial);
  });

  it('query by out_trade_no (NOTPAY), pay, then by out_trade_no and transaction_id (SUCCESS)', async () => {
    const params = orderParams(receiver.url, 2500);
    await pay.transactions_native(params);
    const unpaid = (await pay.query({ out_trade_no: params.out_trade_no })) as WireResponse;
    expect(unpaid.status).toBe(200);
    expect(unpaid.data).toMatchObject({
      trade_state: 'NOTPAY',
      trade_state_desc: '订单未支付',
      amount: { total: 2500 },
    });
    expect(unpaid.data.transaction_id).toBeUndefined();
    await expectSigned(pay, merchant, unpaid, serial);

    const paid = await adminPost(
      server.sandboxUrl,
      `/wechatpay/merchants/${merchant.mchid}/orders/${params.out_trade_no}/pay`,
    );
    expect(paid.status).toBe(200);
    const byNo = (await pay.query({ out_trade_no: params.out_trade_no })) as WireResponse;
    expect(byNo.data).toMatchObject({
      appid: merchant.appid,
      mchid: merchant.mchid,
      out_trade_no: params.out_trade_no,
      trade_state: 'SUCCESS',
      trade_type: 'NATIVE',
      bank_type: 'OTHERS',
      attach: 'cart=42',
      amount: { total: 2500, payer_total: 2500, currency: 'CNY', payer_currency: 'CNY' },
    });
    expect(byNo.data.transaction_id).toMatch(/^4200000\d{21}$/);
    expect(byNo.data.success_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(byNo.data.payer.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    const byId = (await pay.query({ transaction_id: byNo.data.transaction_id })) as WireResponse;
    expect(byId.status).toBe(200);
    expect(byId.data).toEqual(byNo.data);
    await expectSigned(pay, merchant, byId, serial);
  });

  it('close → 204 signed over an empty body; the order is CLOSED', async () => {
    const params = orderParams(receiver.url);
    await pay.transactions_native(params);
    const closed = (await pay.close(params.out_trade_no)) as WireResponse;
    expect(closed.status).toBe(204);
    expect(closed.text).toBe('');
    await expectSigned(pay, merchant, closed, serial);
    const after = (await pay.query({ out_trade_no: params.out_trade_no })) as WireResponse;
    expect(after.data.trade_state).toBe('CLOSED');
  });

  it('refunds → PROCESSING, then find_refunds → SUCCESS once processed', async () => {
    const params = orderParams(receiver.url, 1000);
    await pay.transactions_native(params);
    await adminPost(
      server.sandboxUrl,
      `/wechatpay/merchants/${merchant.mchid}/orders/${params.out_trade_no}/pay`,
    );
    const outRefundNo = newOutNo('R');
    const refund = (await pay.refunds({
      out_trade_no: params.out_trade_no,
      out_refund_no: outRefundNo,
      reason: 'size',
      amount: { refund: 400, total: 1000, currency: 'CNY' },
    })) as unknown as WireResponse;
    expect(refund.status).toBe(200);
    expect(refund.data).toMatchObject({
      out_refund_no: outRefundNo,
      out_trade_no: params.out_trade_no,
      status: 'PROCESSING',
      channel: 'ORIGINAL',
      amount: { total: 1000, refund: 400, payer_total: 1000, payer_refund: 400, currency: 'CNY' },
    });
    expect(refund.data.refund_id).toMatch(/^503\d{26}$/);
    await expectSigned(pay, merchant, refund, serial);

    await vi.waitFor(
      async () => {
        const found = (await pay.find_refunds(outRefundNo)) as unknown as WireResponse;
        expect(found.data.status).toBe('SUCCESS');
      },
      { timeout: 5_000, interval: 20 },
    );
    const found = (await pay.find_refunds(outRefundNo)) as unknown as WireResponse;
    expect(found.data.success_time).toMatch(/\+08:00$/);
    await expectSigned(pay, merchant, found, serial);
    const order = (await pay.query({ out_trade_no: params.out_trade_no })) as WireResponse;
    expect(order.data.trade_state).toBe('REFUND');
  });

  it('GET /v3/certificates decrypts with the SDK’s decipher_gcm and with the sandbox’s own tag-checking AEAD', async () => {
    const certificates = await pay.get_certificates(merchant.apiv3_key);
    expect(certificates[0]?.serial_no).toBe(merchant.platform_serial_no);
    const res = pay.lastExchange();
    expect(res.status).toBe(200);
    await expectSigned(pay, merchant, res, serial);
    const [entry] = res.data.data;
    expect(entry.serial_no).toBe(merchant.platform_serial_no);
    expect(entry.effective_time).toMatch(/\+08:00$/);
    expect(entry.encrypt_certificate).toMatchObject({
      algorithm: 'AEAD_AES_256_GCM',
      associated_data: 'certificate',
    });
    const { ciphertext, associated_data: aad, nonce } = entry.encrypt_certificate;
    expect(pay.decipher_gcm(ciphertext, aad, nonce)).toBe(merchant.platform_certificate);
    expect(decryptAead(merchant.apiv3_key, { ciphertext, nonce, associatedData: aad })).toBe(
      merchant.platform_certificate,
    );
  });

  it('tradebill + downloadBill: raw bytes hash to hash_value, plain and GZIP', async () => {
    // Yesterday's trades (the bill for today does not exist yet): move the whole process's
    // clock, so the SDK's timestamps and the sandbox agree.
    const yesterday = shanghaiDate(new Date(Date.now() - 86_400_000));
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(new Date(`${yesterday}T12:00:00+08:00`));
    const params = orderParams(receiver.url, 600);
    try {
      await pay.transactions_native(params);
      await adminPost(
        server.sandboxUrl,
        `/wechatpay/merchants/${merchant.mchid}/orders/${params.out_trade_no}/pay`,
      );
    } finally {
      vi.useRealTimers();
    }

    for (const tarType of [undefined, 'GZIP'] as const) {
      const applied = (await pay.tradebill({
        bill_date: yesterday,
        bill_type: 'ALL',
        tar_type: tarType,
      })) as WireResponse;
      expect(applied.status).toBe(200);
      expect(applied.data.hash_type).toBe('SHA1');
      expect(applied.data.download_url).toMatch(
        /^https:\/\/api\.mch\.weixin\.qq\.com\/v3\/billdownload\/file\?token=/,
      );
      await expectSigned(pay, merchant, applied, serial);

      const file = (await pay.downloadBill(applied.data.download_url)) as WireResponse;
      expect(file.status).toBe(200);
      expect(file.headers['wechatpay-signature']).toBeUndefined();
      const text = tarType === 'GZIP' ? gunzipSync(file.raw) : file.raw;
      expect(createHash('sha1').update(text).digest('hex')).toBe(applied.data.hash_value);
      expect(text.toString('utf8')).toContain(`\`${params.out_trade_no},`);
    }
  });
});
