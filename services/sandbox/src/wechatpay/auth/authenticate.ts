import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { verifySha256WithRsa } from '../../crypto/rsa-signature.ts';
import type { SandboxDeps } from '../../deps.ts';
import type { WechatpayEnv } from '../env.ts';
import { wechatpayError } from '../errors.ts';
import { newRequestId } from '../ids.ts';
import { findMerchant } from '../merchants/merchant-store.ts';
import { sendUnsigned } from '../wire/respond.ts';
import { wechatpaySigner } from '../wire/response-signature.ts';
import { parseAuthorization, requestMessage } from './parse-authorization.ts';

const MAX_SKEW_S = 300;

// WeChat's own messages (probed against the live API, see the provider reference).
const MESSAGES = {
  malformed: 'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》',
  malformedOnTransactions: '签名信息错误，验签失败',
  wrongScheme: 'HTTP头Authorization认证类型不正确',
  skew: 'Http头Authorization中的timestamp与发起请求的时间不得超过5分钟',
  serial: '商户证书序列号有误。请使用签名私钥匹配的证书序列号',
  signature: '签名错误',
  headers: 'Http头缺少Accept或User-Agent',
} as const;

/**
 * The request target exactly as the merchant sent it (path and query, still encoded),
 * relative to the API root: the sandbox is mounted under a prefix, the merchant signed
 * `/v3/...` for `https://api.mch.weixin.qq.com/v3/...`.
 */
export function signedTarget(c: Context<WechatpayEnv>): string {
  const url = new URL(c.req.url);
  const raw = c.env?.incoming?.url ?? `${url.pathname}${url.search}`;
  const root = raw.indexOf('/v3/');
  return root === -1 ? raw : raw.slice(root);
}

/**
 * Authenticates a v3 call: the Authorization header's merchant, certificate serial,
 * timestamp (±5 minutes of the sandbox clock, checked before the signature, as WeChat
 * does) and SHA256withRSA signature over method, target, timestamp, nonce and body.
 */
export function authenticate(deps: SandboxDeps) {
  return createMiddleware<WechatpayEnv>(async (c, next) => {
    const target = signedTarget(c);
    const onTransactions = target.startsWith('/v3/pay/transactions/');
    const requestId = newRequestId();
    const reject = (message: string) =>
      sendUnsigned(c, wechatpayError(401, 'SIGN_ERROR', message), onTransactions ? undefined : requestId);

    // Outside the transaction APIs the header check comes before authentication.
    if (!onTransactions && (!c.req.header('accept') || !c.req.header('user-agent'))) {
      return sendUnsigned(c, wechatpayError(400, 'INVALID_REQUEST', MESSAGES.headers), requestId);
    }

    const parsed = parseAuthorization(c.req.header('authorization'));
    if (
      parsed.kind === 'missing' ||
      parsed.kind === 'malformed' ||
      (parsed.kind === 'wrong-scheme' && onTransactions)
    ) {
      return reject(onTransactions ? MESSAGES.malformedOnTransactions : MESSAGES.malformed);
    }
    if (parsed.kind === 'wrong-scheme') return reject(MESSAGES.wrongScheme);
    const { credentials } = parsed;

    const timestamp = Number(credentials.timestamp);
    const nowS = deps.now().getTime() / 1000;
    if (!/^\d{1,12}$/.test(credentials.timestamp) || Math.abs(nowS - timestamp) > MAX_SKEW_S) {
      return reject(MESSAGES.skew);
    }

    const merchant = await findMerchant(deps, credentials.mchid);
    // An unknown merchant reads exactly like a bad signature at WeChat (probed with a made-up mchid).
    if (!merchant) return reject(MESSAGES.signature);
    if (credentials.serialNo.toUpperCase() !== merchant.merchant_serial_no.toUpperCase()) {
      return reject(MESSAGES.serial);
    }

    const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
    const message = requestMessage(c.req.method, target, credentials.timestamp, credentials.nonceStr, body);
    if (!verifySha256WithRsa(merchant.merchant_certificate, message, credentials.signature)) {
      return reject(MESSAGES.signature);
    }

    c.set('requestId', requestId);
    c.set('merchant', merchant);
    c.set('rawBody', body);
    c.set('signer', wechatpaySigner(merchant, c.req.header('wechatpay-serial')));
    await next();
  });
}
