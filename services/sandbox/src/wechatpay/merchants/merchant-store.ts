import type { WechatMerchant } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';

export async function findMerchant(deps: SandboxDeps, mchid: string): Promise<WechatMerchant | undefined> {
  return await deps.db
    .selectFrom('wechat_merchants')
    .selectAll()
    .where('mchid', '=', mchid)
    .executeTakeFirst();
}

/** What `GET /_admin/wechatpay/merchants/:mchid` shows: everything public, no key material. */
export function publicMerchantView(merchant: WechatMerchant) {
  return {
    mchid: merchant.mchid,
    appid: merchant.appid,
    name: merchant.name,
    verification_mode: merchant.verification_mode,
    merchant_certificate: merchant.merchant_certificate,
    merchant_serial_no: merchant.merchant_serial_no,
    wechatpay_public_key: merchant.wechatpay_public_key,
    wechatpay_public_key_id: merchant.wechatpay_public_key_id,
    platform_certificate: merchant.platform_certificate,
    platform_serial_no: merchant.platform_serial_no,
    created_at: merchant.created_at.toISOString(),
  };
}
