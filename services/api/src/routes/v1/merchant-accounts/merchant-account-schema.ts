import { z } from '@hono/zod-openapi';
import type { MerchantAccountRow } from '@paymux/db';

export const MerchantAccountSchema = z
  .object({
    id: z.string().openapi({ example: 'mca_01jx…' }),
    object: z.literal('merchant_account'),
    provider: z.enum(['wechatpay', 'alipay']),
    display_name: z.string(),
    livemode: z.boolean(),
    is_default: z.boolean(),
    status: z.enum(['active', 'disabled']),
    health: z.string(),
    identifiers: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('MerchantAccount');

export type MerchantAccount = z.infer<typeof MerchantAccountSchema>;

/** The public view: identifiers and fingerprints only, never a credential. */
export function toMerchantAccount(row: MerchantAccountRow): MerchantAccount {
  return {
    id: row.id,
    object: 'merchant_account',
    provider: row.provider,
    display_name: row.display_name,
    livemode: row.mode === 'live',
    is_default: row.is_default,
    status: row.status,
    health: row.health,
    identifiers: row.identifiers,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
