// Beijing time by default; single tests switch the process zone to show what Alipay does
// with a request stamped in another zone.
process.env.TZ = 'Asia/Shanghai';

import { createSign, randomUUID } from 'node:crypto';
import { AlipayRequestError, type AlipaySdk } from 'alipay-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AlipayTestApp, alipaySdk, createAlipayApp, outTradeNo } from './support/alipay-client.ts';
import { type SandboxServer, startSandboxServer } from './support/sandbox-server.ts';

let server: SandboxServer;
let app: AlipayTestApp;
let sdk: AlipaySdk;

beforeAll(async () => {
  server = await startSandboxServer();
  app = await createAlipayApp(server);
  sdk = alipaySdk(server, app);
});

afterAll(async () => {
  await server?.close();
});

afterEach(() => {
  process.env.TZ = 'Asia/Shanghai';
});

const query = { bizContent: { outTradeNo: 'NO-SUCH-TRADE' } };

/** Posts an order string (from sdkExec) to the gateway as a form, the way exec() does, and returns the raw text. */
async function postToGateway(
  params: URLSearchParams,
): Promise<{ raw: string; inner: Record<string, string> }> {
  const res = await fetch(`${server.sandboxUrl}/alipay/gateway.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: params,
  });
  expect(res.status).toBe(200);
  const raw = await res.text();
  const parsed = JSON.parse(raw) as Record<string, Record<string, string>>;
  const key = Object.keys(parsed).find((k) => k.endsWith('_response')) as string;
  return { raw, inner: parsed[key] as Record<string, string> };
}

describe('v2 gateway: requests Alipay would refuse', () => {
  it('a tampered parameter fails the signature check, and the error reply is itself signed', async () => {
    const params = new URLSearchParams(sdk.sdkExec('alipay.trade.query', query));
    const { inner: honest } = await postToGateway(params);
    expect(honest.sub_code).toBe('ACQ.TRADE_NOT_EXIST');

    params.set('biz_content', JSON.stringify({ out_trade_no: 'SOMEONE-ELSES' }));
    const { raw, inner } = await postToGateway(params);
    expect(inner).toMatchObject({
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code: 'isv.invalid-signature',
    });
    expect(inner.sub_msg).toContain('网关生成的验签字符串为：');
    // Alipay HTML-escapes the string it shows (issue alipay-sdk-nodejs-all#109 quotes one).
    expect(inner.sub_msg).toContain(
      '&amp;biz_content={&quot;out_trade_no&quot;:&quot;SOMEONE-ELSES&quot;}&amp;',
    );
    expect(raw).toMatch(/,"sign":"[A-Za-z0-9+/=]{300,}"}$/);
  });

  it('a request signed with another private key is refused (and the SDK verifies the refusal)', async () => {
    const other = await createAlipayApp(server);
    const impostor = alipaySdk(server, { ...app, app_private_key: other.app_private_key });
    const result = await impostor.exec('alipay.trade.query', query, { validateSign: true });
    expect(result).toMatchObject({ code: '40002', subCode: 'isv.invalid-signature' });
  });

  it('a request stamped in UTC (the SDK uses the process time zone) is refused as isv.invalid-timestamp', async () => {
    process.env.TZ = 'UTC';
    const result = await sdk.exec('alipay.trade.query', query, { validateSign: true });
    expect(result).toMatchObject({
      code: '40002',
      subCode: 'isv.invalid-timestamp',
      subMsg: '非法的时间戳参数',
    });
  });

  it("a stale timestamp (more than 15 minutes from Alipay's clock) is refused", async () => {
    server.advanceClock(16 * 60_000);
    try {
      const stale = await sdk.exec('alipay.trade.query', query, { validateSign: true });
      expect(stale.subCode).toBe('isv.invalid-timestamp');
    } finally {
      server.advanceClock(-16 * 60_000);
    }
    server.advanceClock(14 * 60_000);
    try {
      const within = await sdk.exec('alipay.trade.query', query, { validateSign: true });
      expect(within.subCode).toBe('ACQ.TRADE_NOT_EXIST');
    } finally {
      server.advanceClock(-14 * 60_000);
    }
  });

  it('an unknown app_id gets an unsigned isv.invalid-app-id reply, which validateSign cannot verify', async () => {
    const stranger = alipaySdk(server, { ...app, app_id: '2021000000000001' });
    const result = await stranger.exec('alipay.trade.query', query);
    expect(result).toMatchObject({ code: '40002', subCode: 'isv.invalid-app-id', subMsg: '无效的AppID参数' });
    // As at Alipay: no sign to check, and the SDK fails outright (reference §4.1).
    await expect(stranger.exec('alipay.trade.query', query, { validateSign: true })).rejects.toThrow();
  });

  it('an empty-valued parameter that the SDK signed (return_url=) fails: Alipay leaves empty values out', async () => {
    const result = await sdk.exec('alipay.trade.query', { returnUrl: '', ...query }, { validateSign: true });
    expect(result).toMatchObject({ code: '40002', subCode: 'isv.invalid-signature' });
    expect(result.subMsg).not.toContain('return_url');
  });

  it('requests without a method or with an unknown one get an unsigned error_response', async () => {
    const none = await (await fetch(`${server.sandboxUrl}/alipay/gateway.do`)).text();
    expect(JSON.parse(none)).toEqual({
      error_response: {
        code: '40001',
        msg: 'Missing Required Arguments',
        sub_code: 'isv.missing-method',
        sub_msg: '缺少方法名参数',
      },
    });
    const unknown = await sdk.exec('alipay.trade.no.such.method', query);
    expect(unknown).toMatchObject({ code: '40002', subCode: 'isv.invalid-method' });
  });

  it('RSA (SHA1) signing is refused: sandbox apps are RSA2', async () => {
    const sha1 = alipaySdk(server, app, { signType: 'RSA' });
    const result = await sha1.exec('alipay.trade.query', query, { validateSign: false });
    expect(result.subCode).toBe('isv.invalid-signature-type');
  });

  it('amounts must be yuan with at most two decimals, 0.01 to 100000000', async () => {
    const precreate = (totalAmount: string) =>
      sdk.exec(
        'alipay.trade.precreate',
        { bizContent: { outTradeNo: outTradeNo('AMT'), totalAmount, subject: 's' } },
        { validateSign: true },
      );
    for (const bad of ['0', '0.00', '0.001', '1.', 'abc', '-1.00', '1e2']) {
      const refused = await precreate(bad);
      expect(refused.subCode, bad).toBe('ACQ.INVALID_PARAMETER');
      expect(refused.subMsg, bad).toContain('total_amount');
    }
    expect((await precreate('100000000.01')).subCode).toBe('ACQ.TOTAL_FEE_EXCEED');
    expect((await precreate('100000000')).code).toBe('10000');
    expect((await precreate('0.01')).code).toBe('10000');
  });
});

describe('v3: requests Alipay would refuse', () => {
  async function rejection(call: Promise<unknown>): Promise<AlipayRequestError> {
    try {
      await call;
    } catch (error) {
      if (error instanceof AlipayRequestError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('a stale Authorization timestamp is 401 invalid-timestamp', async () => {
    server.advanceClock(16 * 60_000);
    try {
      const refused = await rejection(
        sdk.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: 'x' } }),
      );
      expect(refused.responseHttpStatus).toBe(401);
      expect(refused.code).toBe('invalid-timestamp');
    } finally {
      server.advanceClock(-16 * 60_000);
    }
  });

  it('an unknown app is 401 invalid-app-id', async () => {
    const stranger = alipaySdk(server, { ...app, app_id: '2021000000000002' });
    const refused = await rejection(
      stranger.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: 'x' } }),
    );
    expect(refused.responseHttpStatus).toBe(401);
    expect(refused.code).toBe('invalid-app-id');
  });

  it('a body changed after signing is 401 invalid-signature', async () => {
    // Signed by hand per the v3 scheme (the SDK gives no hook to alter a body in transit).
    const original = JSON.stringify({ out_trade_no: 'x' });
    const authString = `app_id=${app.app_id},nonce=${randomUUID()},timestamp=${Date.now()}`;
    const sign = createSign('RSA-SHA256')
      .update(`${authString}\nPOST\n/v3/alipay/trade/close\n${original}\n`)
      .sign(app.app_private_key, 'base64');
    const send = (body: string) =>
      fetch(`${server.sandboxUrl}/alipay/v3/alipay/trade/close`, {
        method: 'POST',
        headers: {
          authorization: `ALIPAY-SHA256withRSA ${authString},sign=${sign}`,
          'content-type': 'application/json',
        },
        body,
      });
    const honest = await send(original);
    expect(honest.status).toBe(400);
    expect(await honest.json()).toMatchObject({ code: 'ACQ.TRADE_NOT_EXIST' });
    const tampered = await send(JSON.stringify({ out_trade_no: 'y' }));
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ code: 'invalid-signature' });
  });
});
