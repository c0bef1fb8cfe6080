import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { dayActivity } from '../../bills/day-activity.ts';
import type { SandboxDeps } from '../../deps.ts';
import type { WechatpayEnv } from '../env.ts';
import { wechatpayError } from '../errors.ts';
import { unixSeconds } from '../time.ts';
import { faultResponse } from '../wire/fault-response.ts';
import { parseInput } from '../wire/parse-body.ts';
import { sendError, sendJson } from '../wire/respond.ts';
import { billDateError, tradeBillQuerySchema } from './bill-request.ts';
import { issueBillToken } from './bill-token.ts';
import { buildTradeBill } from './trade-bill.ts';

/** The host the SDK signs against: it signs download_url's path only when the URL is on it. */
const API_ORIGIN = 'https://api.mch.weixin.qq.com';
const DOWNLOAD_URL_TTL_S = 300;

export const noStatement = () => wechatpayError(400, 'NO_STATEMENT_EXIST', '账单文件不存在');

/**
 * `GET /v3/bill/tradebill?bill_date=&bill_type=&tar_type=` → `{hash_type, hash_value, download_url}`.
 * hash_value is the SHA-1 of the bill text; with tar_type=GZIP the file comes compressed
 * and the digest is still of the text (the official Java SDK gunzips before digesting).
 */
export function applyTradeBill(deps: SandboxDeps) {
  return async (c: Context<WechatpayEnv>) => {
    const faulted = await faultResponse(c, deps, 'bill.tradebill');
    if (faulted) return faulted;
    const merchant = c.get('merchant');
    const parsed = parseInput(c.req.query(), tradeBillQuerySchema, 'query');
    if (!parsed.ok) return sendError(c, deps, parsed.error);
    const { bill_date: billDate, bill_type: billType, tar_type: tarType } = parsed.value;
    const now = deps.now();
    const dateError = billDateError(billDate, now);
    if (dateError) return sendError(c, deps, dateError);

    const activity = await dayActivity(deps, 'wechatpay', merchant.mchid, billDate);
    const bill = buildTradeBill({ mchid: merchant.mchid, appid: merchant.appid, activity, billType });
    if (bill === undefined) return sendError(c, deps, noStatement());
    const token = issueBillToken(merchant.apiv3_key, {
      mchid: merchant.mchid,
      billDate,
      billType,
      gzip: tarType === 'GZIP',
      expiresAt: unixSeconds(now) + DOWNLOAD_URL_TTL_S,
    });
    return sendJson(c, deps, {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(bill, 'utf8').digest('hex'),
      download_url: `${API_ORIGIN}/v3/billdownload/file?token=${token}`,
    });
  };
}
