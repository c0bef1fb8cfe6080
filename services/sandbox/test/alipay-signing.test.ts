import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { parseBeijingDateTime } from '../src/alipay/beijing-time.ts';
import { renderV2Response, responseKey } from '../src/alipay/gateway/v2-response.ts';
import {
  encodeForm,
  signNotification,
  tradeNotificationFields,
} from '../src/alipay/notifications/trade-notification.ts';
import { extractResponseContent } from '../src/alipay/signing/response-content.ts';
import { NOTIFY_EXCLUDED, REQUEST_EXCLUDED, signContent } from '../src/alipay/signing/sign-content.ts';
import { toPublicKey } from '../src/crypto/keys.ts';
import { verifySha256WithRsa } from '../src/crypto/rsa-signature.ts';
import type { AlipayApp, Order } from '../src/db/schema.ts';
import {
  A1_NOTIFICATION,
  A1_PUBLIC_KEY,
  A3_PUBLIC_KEY,
  A3_RESPONSE,
  A3_RESPONSE_KEY,
  ESCAPED_RESPONSE,
} from './support/alipay-vectors.ts';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const privateKey = createPrivateKey(keys.privateKey);
const sdk = new AlipaySdk({
  appId: '2021000000000000',
  privateKey: keys.privateKey,
  keyType: 'PKCS8',
  alipayPublicKey: keys.publicKey,
});

describe('known answers from alipay-sdk-nodejs-all', () => {
  it('A1: a real trade notification verifies over the sorted fields without sign and sign_type, not with sign_type', () => {
    const key = toPublicKey(A1_PUBLIC_KEY);
    const sign = A1_NOTIFICATION.sign as string;
    expect(verifySha256WithRsa(key, signContent(A1_NOTIFICATION, NOTIFY_EXCLUDED), sign)).toBe(true);
    expect(verifySha256WithRsa(key, signContent(A1_NOTIFICATION, REQUEST_EXCLUDED), sign)).toBe(false);
    expect(
      verifySha256WithRsa(
        key,
        signContent({ ...A1_NOTIFICATION, total_amount: '0.01' }, NOTIFY_EXCLUDED),
        sign,
      ),
    ).toBe(false);
  });

  it('A3: a real v2 reply verifies over the raw response substring', () => {
    const content = extractResponseContent(A3_RESPONSE, A3_RESPONSE_KEY) as string;
    expect(content).toBe('{"code":"10000","msg":"Success","file_id":"CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr"}');
    const sign = (JSON.parse(A3_RESPONSE) as { sign: string }).sign;
    expect(verifySha256WithRsa(toPublicKey(A3_PUBLIC_KEY), content, sign)).toBe(true);
    expect(verifySha256WithRsa(toPublicKey(A3_PUBLIC_KEY), content.replace('10000', '10001'), sign)).toBe(
      false,
    );
  });

  it("response extraction keeps Alipay's \\/ escapes, as the SDK's getSignStr does", () => {
    expect(extractResponseContent(ESCAPED_RESPONSE.raw, ESCAPED_RESPONSE.key)).toBe(ESCAPED_RESPONSE.content);
    expect(sdk.getSignStr(ESCAPED_RESPONSE.raw, ESCAPED_RESPONSE.key)).toBe(ESCAPED_RESPONSE.content);
  });
});

describe('signContent', () => {
  it('sorts keys, keeps raw values, and leaves out empty values and the excluded keys', () => {
    expect(
      signContent({ b: '2', a: 'x y&z', sign: 's', sign_type: 'RSA2', empty: '' }, REQUEST_EXCLUDED),
    ).toBe('a=x y&z&b=2&sign_type=RSA2');
    expect(signContent({ b: '2', a: '1', sign: 's', sign_type: 'RSA2' }, NOTIFY_EXCLUDED)).toBe('a=1&b=2');
  });
});

describe('renderV2Response', () => {
  it('signs the exact inner bytes, escapes / as \\/, and the SDK verifies it', () => {
    const method = 'alipay.trade.precreate';
    const inner = {
      code: '10000',
      msg: 'Success',
      out_trade_no: 'T1',
      qr_code: 'http://127.0.0.1/sandbox/pay/abc',
      subject: '咖啡 "大杯"',
    };
    const raw = renderV2Response(responseKey(method), inner, privateKey);
    expect(raw).toContain('"qr_code":"http:\\/\\/127.0.0.1\\/sandbox\\/pay\\/abc"');
    expect(JSON.parse(raw)[responseKey(method)]).toEqual(inner);
    const parsed = JSON.parse(raw) as { sign: string };
    expect(() => sdk.checkResponseSign(raw, responseKey(method), parsed.sign, '')).not.toThrow();
    expect(extractResponseContent(raw, responseKey(method))).toBe(sdk.getSignStr(raw, responseKey(method)));
    expect(() =>
      sdk.checkResponseSign(raw.replace('T1', 'T2'), responseKey(method), parsed.sign, ''),
    ).toThrow();
  });

  it('goes unsigned without a key (an unknown app)', () => {
    expect(renderV2Response('error_response', { code: '40001' })).toBe('{"error_response":{"code":"40001"}}');
  });
});

describe('trade notifications', () => {
  const app = { app_id: '2021000000000000', seller_id: '2088000000000001' } as AlipayApp;
  const order = {
    trade_no: '2026031022001000000000000001',
    out_trade_no: 'T1',
    amount: 150n,
    refunded: 0n,
    description: '商品',
    attach: null,
    created_at: new Date('2026-03-10T04:00:00Z'),
    paid_at: new Date('2026-03-10T04:00:05Z'),
    payer: '2088000000000002',
    extra: { buyer_id: '2088000000000002', buyer_logon_id: 'abc***@sandbox.alipay' },
  } as unknown as Order;

  it("leave out empty fields and verify with the SDK's checkNotifySignV2 (with or without sign_type)", () => {
    const fields = tradeNotificationFields({
      app,
      order,
      notifyId: 'n1',
      now: new Date('2026-03-10T04:00:06Z'),
    });
    expect(fields).not.toHaveProperty('body');
    expect(fields).not.toHaveProperty('passback_params');
    expect(fields).toMatchObject({
      total_amount: '1.50',
      gmt_payment: '2026-03-10 12:00:05',
      notify_time: '2026-03-10 12:00:06',
    });
    const signed = signNotification(fields, privateKey);
    const received = Object.fromEntries(new URLSearchParams(encodeForm(signed)));
    expect(sdk.checkNotifySignV2(received)).toBe(true);
    const { sign_type: _dropped, ...withoutType } = received;
    expect(sdk.checkNotifySignV2(withoutType)).toBe(true);
    expect(sdk.checkNotifySignV2({ ...received, total_amount: '0.01' })).toBe(false);
  });
});

describe('parseBeijingDateTime', () => {
  it('reads yyyy-MM-dd HH:mm:ss as UTC+8 and refuses what is not a real time', () => {
    expect(parseBeijingDateTime('2024-01-01 08:00:00')?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    for (const bad of [
      '2024-02-30 00:00:00',
      '2024-01-01T08:00:00',
      '2024-01-01 24:00:00',
      '2024-1-1 08:00:00',
      '',
    ]) {
      expect(parseBeijingDateTime(bad), bad).toBeUndefined();
    }
  });
});
