import { z } from '@hono/zod-openapi';

export const MerchantAccountSchema = z
  .object({
    id: z.string().openapi({ example: 'mca_01jx…' }),
    object: z.literal('merchant_account'),
    provider: z.enum(['wechatpay', 'alipay']),
    display_name: z.string(),
    livemode: z.boolean(),
    is_default: z.boolean(),
    status: z.enum(['active', 'disabled']),
    health: z.enum(['unverified', 'ok', 'invalid_credentials', 'unreachable', 'certificate_expiring']),
    health_detail: z.string().nullable(),
    health_checked_at: z.string().nullable(),
    identifiers: z
      .record(z.string(), z.unknown())
      .openapi({ example: { mchid: '1900000001', appid: 'wx…' } }),
    fingerprints: z
      .record(z.string(), z.unknown())
      .openapi({ example: { merchant_private_key: 'sha256:…' } }),
    certificate_expires_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('MerchantAccount');

/**
 * Credentials are write-only. Field names are exactly those of the sandbox's credential
 * bundle: WeChat Pay `mchid, appid, apiv3_key, merchant_private_key, merchant_serial_no |
 * merchant_certificate, wechatpay_public_key + wechatpay_public_key_id | platform_certificates`;
 * Alipay `app_id, app_private_key, alipay_public_key`.
 */
export const CredentialsSchema = z.record(z.string(), z.unknown()).openapi('MerchantCredentials', {
  description: 'Write-only provider credentials; responses show identifiers and fingerprints instead.',
});
