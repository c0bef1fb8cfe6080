import { createSign, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import superagent from 'superagent';
import Pay from 'wechatpay-node-v3';
import { verifySha256WithRsa } from '../../src/crypto/rsa-signature.ts';
import type { MerchantBundle } from '../../src/wechatpay/merchants/issue-merchant.ts';

export const WECHATPAY_ORIGIN = 'https://api.mch.weixin.qq.com';

/** What the test transport hands back to the SDK: the SDK's fields plus headers and the raw bytes. */
export interface WireResponse {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's own Output.data is any; tests read WeChat's JSON fields directly
  readonly data: any;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly raw: Buffer;
}

/**
 * wechatpay-node-v3 with access to the class-wide certificate cache, to trust a WeChat
 * Pay public key (`PUB_KEY_ID_…`), which the SDK cannot fetch itself (its issue #73).
 */
export class TrustingPay extends Pay {
  /** Every answer this instance received through the sandbox transport, newest last. */
  readonly exchanges: WireResponse[] = [];

  /** The last answer received (e.g. the raw /v3/certificates behind get_certificates). */
  lastExchange(): WireResponse {
    const last = this.exchanges.at(-1);
    if (!last) throw new Error('no exchange yet');
    return last;
  }

  static trust(serial: string, publicKeyPem: string): void {
    TrustingPay.certificates[serial] = publicKeyPem;
  }
  static trusted(serial: string): boolean {
    return serial in TrustingPay.certificates;
  }
}

function collectBytes(res: IncomingMessage, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
  res.on('error', (error) => done(error, Buffer.alloc(0)));
}

async function send(request: superagent.SuperAgentRequest): Promise<WireResponse> {
  const res = await request
    .ok(() => true)
    .buffer(true)
    .parse(collectBytes as never);
  const raw = res.body as Buffer;
  const text = raw.toString('utf8');
  const json = String(res.headers['content-type'] ?? '').includes('application/json') && text !== '';
  return { status: res.status, data: json ? JSON.parse(text) : text, headers: res.headers, text, raw };
}

/**
 * The official SDK pointed at the sandbox through its documented `createHttp` hook: the
 * transport rewrites WeChat's origin (the SDK signs only the path) and keeps headers and
 * raw bytes, which the SDK's default transport throws away.
 */
export function sdkFor(merchant: MerchantBundle, sandboxUrl: string): TrustingPay {
  const pay = new TrustingPay({
    appid: merchant.appid,
    mchid: merchant.mchid,
    publicKey: Buffer.from(merchant.merchant_certificate),
    privateKey: Buffer.from(merchant.merchant_private_key),
    key: merchant.apiv3_key,
  });
  const rewrite = (url: string) => url.replace(WECHATPAY_ORIGIN, `${sandboxUrl}/wechatpay`);
  const record = (res: WireResponse) => {
    pay.exchanges.push(res);
    return res;
  };
  pay.createHttp({
    post: async (url, body, headers) =>
      record(await send(superagent.post(rewrite(url)).set(headers).send(body))),
    get: async (url, headers) => record(await send(superagent.get(rewrite(url)).set(headers))),
    upload: () => Promise.reject(new Error('uploads are not simulated')),
  });
  return pay;
}

/** Onboards a merchant through the admin API. */
export async function createMerchant(
  sandboxUrl: string,
  body: { name?: string; appid?: string; verification_mode?: 'public_key' | 'platform_certificate' } = {},
): Promise<MerchantBundle> {
  const res = await fetch(`${sandboxUrl}/_admin/wechatpay/merchants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`merchant creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as MerchantBundle;
}

/** The verifying key for a Wechatpay-Serial, as a merchant keeps them: public key id or platform serial. */
export function verifierKey(merchant: MerchantBundle, serial: string): string | undefined {
  if (serial === merchant.wechatpay_public_key_id) return merchant.wechatpay_public_key;
  if (serial.toUpperCase() === merchant.platform_serial_no.toUpperCase())
    return merchant.platform_certificate;
  return undefined;
}

/** Verifies Wechatpay-Signature over `timestamp\nnonce\nbody\n` with the key named by Wechatpay-Serial. */
export function wechatpaySignatureValid(
  merchant: MerchantBundle,
  headers: Record<string, string | undefined>,
  body: string,
): boolean {
  const key = verifierKey(merchant, headers['wechatpay-serial'] ?? '');
  if (!key) return false;
  const message = `${headers['wechatpay-timestamp']}\n${headers['wechatpay-nonce']}\n${body}\n`;
  return verifySha256WithRsa(key, message, headers['wechatpay-signature'] ?? '');
}

export interface SignedRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query as signed and sent, e.g. `/v3/pay/transactions/out-trade-no/T1?mchid=…`. */
  readonly target: string;
  readonly body?: string;
  /** Defaults: the merchant's own key, serial, mchid and the current time. */
  readonly privateKey?: string;
  readonly serialNo?: string;
  readonly mchid?: string;
  readonly timestamp?: number;
  /** Sent instead of `body` after signing `body` (a tampered request). */
  readonly sentBody?: string;
  readonly authorization?: string;
  readonly headers?: Record<string, string>;
}

/** A hand-signed v3 request, for the cases the SDK cannot produce (tampering, wrong keys, stale clocks). */
export async function signedFetch(sandboxUrl: string, merchant: MerchantBundle, request: SignedRequest) {
  const timestamp = String(request.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const body = request.body ?? '';
  const signature = createSign('RSA-SHA256')
    .update(`${request.method}\n${request.target}\n${timestamp}\n${nonce}\n${body}\n`)
    .sign(request.privateKey ?? merchant.merchant_private_key, 'base64');
  const authorization =
    request.authorization ??
    `WECHATPAY2-SHA256-RSA2048 mchid="${request.mchid ?? merchant.mchid}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${request.serialNo ?? merchant.merchant_serial_no}",signature="${signature}"`;
  const res = await fetch(`${sandboxUrl}/wechatpay${request.target}`, {
    method: request.method,
    headers: {
      accept: 'application/json',
      'user-agent': 'paymux-sandbox-test',
      ...(request.method === 'POST' ? { 'content-type': 'application/json' } : {}),
      authorization,
      ...request.headers,
    },
    body: request.method === 'POST' ? (request.sentBody ?? body) : undefined,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers.entries()) as Record<string, string>,
    text,
    json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined,
  };
}

/** Admin helper: POST JSON to the sandbox admin API. */
export async function adminPost(sandboxUrl: string, path: string, body: unknown = {}) {
  const res = await fetch(`${sandboxUrl}/_admin${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

export async function adminGet(sandboxUrl: string, path: string) {
  const res = await fetch(`${sandboxUrl}/_admin${path}`);
  // biome-ignore lint/suspicious/noExplicitAny: admin JSON, read field by field in assertions
  return { status: res.status, json: (await res.json()) as any };
}

let sequence = 0;
/** A unique out_trade_no / out_refund_no for a test. */
export function newOutNo(prefix = 'T'): string {
  sequence += 1;
  return `${prefix}${Date.now()}${String(sequence).padStart(4, '0')}`;
}
