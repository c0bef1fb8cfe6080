import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MerchantBundle } from '../src/wechatpay/merchants/issue-merchant.ts';
import { type SandboxServer, startSandboxServer } from './support/sandbox-server.ts';
import {
  createMerchant,
  newOutNo,
  signedFetch,
  wechatpaySignatureValid,
} from './support/wechatpay-client.ts';

// Request authentication and input rejection, answered with WeChat's own codes and
// messages (probed or documented; see the provider reference and the report).

let server: SandboxServer;
let merchant: MerchantBundle;
let other: MerchantBundle;

beforeAll(async () => {
  server = await startSandboxServer();
  [merchant, other] = await Promise.all([
    createMerchant(server.sandboxUrl),
    createMerchant(server.sandboxUrl),
  ]);
});
afterAll(async () => {
  await server?.close();
});

const nativeBody = (m: MerchantBundle, overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    appid: m.appid,
    mchid: m.mchid,
    description: 'Auth test',
    out_trade_no: newOutNo(),
    notify_url: 'https://merchant.example/notify',
    amount: { total: 100, currency: 'CNY' },
    ...overrides,
  });

const place = (m: MerchantBundle, body: string, extra: Partial<Parameters<typeof signedFetch>[2]> = {}) =>
  signedFetch(server.sandboxUrl, m, {
    method: 'POST',
    target: '/v3/pay/transactions/native',
    body,
    ...extra,
  });

describe('a correctly signed request', () => {
  it('is accepted, with the certificate serial in any case', async () => {
    const res = await place(merchant, nativeBody(merchant), {
      serialNo: merchant.merchant_serial_no.toLowerCase(),
    });
    expect(res.status).toBe(200);
    expect(wechatpaySignatureValid(merchant, res.headers, res.text)).toBe(true);
  });

  it('accepts the Authorization pairs in any order', async () => {
    const body = nativeBody(merchant);
    const first = await place(merchant, body);
    expect(first.status).toBe(200);
    // Re-sign by hand with the pairs reversed.
    const { createSign, randomBytes } = await import('node:crypto');
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const signature = createSign('RSA-SHA256')
      .update(`POST\n/v3/pay/transactions/native\n${ts}\n${nonce}\n${body}\n`)
      .sign(merchant.merchant_private_key, 'base64');
    const authorization = `WECHATPAY2-SHA256-RSA2048 signature="${signature}",serial_no="${merchant.merchant_serial_no}",timestamp="${ts}",nonce_str="${nonce}",mchid="${merchant.mchid}"`;
    const res = await place(merchant, body, { authorization });
    expect(res.status).toBe(200);
  });
});

describe('authentication failures: 401 SIGN_ERROR, unsigned, as WeChat answers them', () => {
  const expectSignError = (res: Awaited<ReturnType<typeof signedFetch>>, message: string) => {
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ code: 'SIGN_ERROR', message });
    expect(res.headers['wechatpay-signature']).toBeUndefined();
  };

  it('rejects a body changed after signing', async () => {
    const body = nativeBody(merchant);
    const res = await place(merchant, body, { sentBody: body.replace('"total":100', '"total":101') });
    expectSignError(res, '签名错误');
  });

  it('rejects a signature made with another key', async () => {
    expectSignError(
      await place(merchant, nativeBody(merchant), { privateKey: other.merchant_private_key }),
      '签名错误',
    );
  });

  it('rejects a timestamp more than 5 minutes off, before looking at the signature', async () => {
    const now = Math.floor(Date.now() / 1000);
    // 30 s beyond the window, not 1 s: a request delayed on a loaded machine (and `now`
    // floored by up to a second) must not slide a "future" timestamp back inside it.
    for (const timestamp of [now - 330, now + 330]) {
      const res = await place(merchant, nativeBody(merchant), {
        timestamp,
        privateKey: other.merchant_private_key,
      });
      // Signed with the wrong key too: the clock check comes first, so this is the answer.
      expectSignError(res, 'Http头Authorization中的timestamp与发起请求的时间不得超过5分钟');
    }
    expect((await place(merchant, nativeBody(merchant), { timestamp: now - 290 })).status).toBe(200);
  });

  it('rejects an unknown merchant like a bad signature', async () => {
    expectSignError(await place(merchant, nativeBody(merchant), { mchid: '1900000000' }), '签名错误');
  });

  it('rejects a serial that is not the merchant certificate’s', async () => {
    const res = await place(merchant, nativeBody(merchant), { serialNo: other.merchant_serial_no });
    expectSignError(res, '商户证书序列号有误。请使用签名私钥匹配的证书序列号');
  });

  it('rejects a GET whose signature left out the query string', async () => {
    const no = newOutNo();
    await place(merchant, nativeBody(merchant, { out_trade_no: no }));
    const { createSign, randomBytes } = await import('node:crypto');
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const pathOnly = `/v3/pay/transactions/out-trade-no/${no}`;
    const signature = createSign('RSA-SHA256')
      .update(`GET\n${pathOnly}\n${ts}\n${nonce}\n\n`)
      .sign(merchant.merchant_private_key, 'base64');
    const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${merchant.mchid}",nonce_str="${nonce}",timestamp="${ts}",serial_no="${merchant.merchant_serial_no}",signature="${signature}"`;
    const res = await signedFetch(server.sandboxUrl, merchant, {
      method: 'GET',
      target: `${pathOnly}?mchid=${merchant.mchid}`,
      authorization,
    });
    expectSignError(res, '签名错误');
  });

  it('rejects a malformed or missing Authorization with the path-specific message', async () => {
    const good = await place(merchant, nativeBody(merchant));
    expect(good.status).toBe(200);
    const spaced =
      'WECHATPAY2-SHA256-RSA2048 mchid="1", nonce_str="2", timestamp="3", serial_no="4", signature="5"';
    const onTransactions = await place(merchant, nativeBody(merchant), { authorization: spaced });
    expectSignError(onTransactions, '签名信息错误，验签失败');
    expect(onTransactions.headers['request-id']).toBeUndefined();

    const bearer = await place(merchant, nativeBody(merchant), { authorization: 'Bearer fake-token' });
    expectSignError(bearer, '签名信息错误，验签失败');

    const onRefunds = await signedFetch(server.sandboxUrl, merchant, {
      method: 'GET',
      target: '/v3/refund/domestic/refunds/R1',
      authorization: '',
    });
    expectSignError(onRefunds, 'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》');
    expect(onRefunds.headers['request-id']).toMatch(/-0$/);

    const wrongScheme = await signedFetch(server.sandboxUrl, merchant, {
      method: 'GET',
      target: '/v3/certificates',
      authorization: 'WECHATPAY2-SHA256-RSA4096 mchid="1"',
    });
    expectSignError(wrongScheme, 'HTTP头Authorization认证类型不正确');
  });

  it('answers 400 INVALID_REQUEST when Accept or User-Agent is missing outside the transaction APIs', async () => {
    const url = new URL(`${server.sandboxUrl}/wechatpay/v3/certificates`);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: 'GET', headers: { accept: 'application/json' } }, (r) => {
        let body = '';
        r.on('data', (chunk) => {
          body += chunk;
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      code: 'INVALID_REQUEST',
      message: 'Http头缺少Accept或User-Agent',
    });
  });
});

describe('request validation after authentication: signed business errors', () => {
  it('rejects a body mchid other than the authenticated merchant', async () => {
    const res = await place(merchant, nativeBody(merchant, { mchid: other.mchid }));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      code: 'PARAM_ERROR',
      message: 'http header中的mchid与post payload中的mchid不匹配',
    });
    expect(wechatpaySignatureValid(merchant, res.headers, res.text)).toBe(true);
  });

  it('rejects an appid not bound to the merchant', async () => {
    const res = await place(merchant, nativeBody(merchant, { appid: other.appid }));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ code: 'APPID_MCHID_NOT_MATCH', message: 'appid和mch_id不匹配' });
  });

  it('names a missing or malformed field the WeChat way', async () => {
    const missing = await place(merchant, nativeBody(merchant, { amount: { currency: 'CNY' } }));
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({
      code: 'PARAM_ERROR',
      message: '输入源“/body/amount/total”映射到字段“总金额”必填性规则校验失败，此字段为必填项',
      detail: { field: '/amount/total', location: 'body' },
    });
    const fractional = await place(merchant, nativeBody(merchant, { amount: { total: 1.5 } }));
    expect(fractional.json.message).toContain('格式规则校验失败');
    const shortNo = await place(merchant, nativeBody(merchant, { out_trade_no: 'abc' }));
    expect(shortNo.json).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: '/out_trade_no', value: 'abc' },
    });
    const ftp = await place(merchant, nativeBody(merchant, { notify_url: 'ftp://merchant.example/n' }));
    expect(ftp.json.detail.field).toBe('/notify_url');
    const jsapiWithoutPayer = await signedFetch(server.sandboxUrl, merchant, {
      method: 'POST',
      target: '/v3/pay/transactions/jsapi',
      body: nativeBody(merchant),
    });
    expect(jsapiWithoutPayer.json.message).toContain('/body/payer');
    const h5WithoutScene = await signedFetch(server.sandboxUrl, merchant, {
      method: 'POST',
      target: '/v3/pay/transactions/h5',
      body: nativeBody(merchant),
    });
    expect(h5WithoutScene.json.message).toContain('/body/scene_info');
  });

  it('rejects a body that is not JSON with PARAM_ERROR, signed', async () => {
    const res = await place(merchant, '{"appid":');
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('PARAM_ERROR');
    expect(wechatpaySignatureValid(merchant, res.headers, res.text)).toBe(true);
  });

  it('keeps merchants apart: another merchant’s order does not exist for you', async () => {
    const no = newOutNo();
    expect((await place(merchant, nativeBody(merchant, { out_trade_no: no }))).status).toBe(200);
    const asOther = await signedFetch(server.sandboxUrl, other, {
      method: 'GET',
      target: `/v3/pay/transactions/out-trade-no/${no}?mchid=${other.mchid}`,
    });
    expect(asOther.status).toBe(404);
    expect(asOther.json).toEqual({ code: 'ORDER_NOT_EXIST', message: '订单不存在' });
    const foreignMchid = await signedFetch(server.sandboxUrl, other, {
      method: 'GET',
      target: `/v3/pay/transactions/out-trade-no/${no}?mchid=${merchant.mchid}`,
    });
    expect(foreignMchid.status).toBe(400);
    expect(foreignMchid.json.code).toBe('PARAM_ERROR');
    const close = await signedFetch(server.sandboxUrl, other, {
      method: 'POST',
      target: `/v3/pay/transactions/out-trade-no/${no}/close`,
      body: JSON.stringify({ mchid: other.mchid }),
    });
    expect(close.status).toBe(404);
  });

  it('answers a wrong method with a bare 405 and an unknown path with a bare 404', async () => {
    const wrongMethod = await fetch(`${server.sandboxUrl}/wechatpay/v3/pay/transactions/native`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.text()).toBe('');
    const unknown = await fetch(`${server.sandboxUrl}/wechatpay/v3/pay/transactions/bitcoin`, {
      method: 'POST',
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('');
  });
});
