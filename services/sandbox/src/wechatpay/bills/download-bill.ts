import { gzipSync } from 'node:zlib';
import type { Context } from 'hono';
import { dayActivity } from '../../bills/day-activity.ts';
import type { SandboxDeps } from '../../deps.ts';
import type { WechatpayEnv } from '../env.ts';
import { wechatpayError } from '../errors.ts';
import { unixSeconds } from '../time.ts';
import { faultResponse } from '../wire/fault-response.ts';
import { sendError } from '../wire/respond.ts';
import { noStatement } from './apply-trade-bill.ts';
import { readBillToken, verifyBillToken } from './bill-token.ts';
import { buildTradeBill } from './trade-bill.ts';

const ERRORS = {
  invalid: () =>
    wechatpayError(400, 'INVALID_REQUEST', '参数错误，请按申请账单API返回的download_url下载账单'),
  expired: () => wechatpayError(400, 'INVALID_REQUEST', '参数错误，download_url已过期，请重新申请账单'),
  otherMerchant: () => wechatpayError(403, 'NO_AUTH', '下载账单的商户与申请账单的商户不一致'),
};

/**
 * `GET /v3/billdownload/file?token=…`: the request is signed like any other, the answer
 * is not (file downloads carry no Wechatpay-* headers; the merchant checks hash_value).
 * The bill is rebuilt from the token's claims, so it matches the digest as long as the
 * day's data did not change in between.
 */
export function downloadBill(deps: SandboxDeps) {
  return async (c: Context<WechatpayEnv>) => {
    const faulted = await faultResponse(c, deps, 'bill.download');
    if (faulted) return faulted;
    const merchant = c.get('merchant');
    const token = c.req.query('token') ?? '';
    const unverified = readBillToken(token);
    if (!unverified) return sendError(c, deps, ERRORS.invalid());
    if (unverified.mchid !== merchant.mchid) return sendError(c, deps, ERRORS.otherMerchant());
    const claims = verifyBillToken(merchant.apiv3_key, token);
    if (!claims) return sendError(c, deps, ERRORS.invalid());
    if (claims.expiresAt < unixSeconds(deps.now())) return sendError(c, deps, ERRORS.expired());

    const activity = await dayActivity(deps, 'wechatpay', merchant.mchid, claims.billDate);
    const bill = buildTradeBill({
      mchid: merchant.mchid,
      appid: merchant.appid,
      activity,
      billType: claims.billType,
    });
    if (bill === undefined) return sendError(c, deps, noStatement());
    const text = Buffer.from(bill, 'utf8');
    const bytes = claims.gzip ? gzipSync(text) : text;
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': 'application/octet-stream',
      'Request-ID': c.get('requestId'),
    });
  };
}
