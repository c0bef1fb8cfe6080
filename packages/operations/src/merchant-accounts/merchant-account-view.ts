import type { MerchantAccountRow } from '@paymux/db';

/** The public shape of a merchant account: identifiers and fingerprints, never a credential. */
export interface MerchantAccountView {
  readonly id: string;
  readonly object: 'merchant_account';
  readonly provider: 'wechatpay' | 'alipay';
  readonly display_name: string;
  readonly livemode: boolean;
  readonly is_default: boolean;
  readonly status: 'active' | 'disabled';
  readonly health: MerchantAccountRow['health'];
  readonly health_detail: string | null;
  readonly health_checked_at: string | null;
  readonly identifiers: Record<string, unknown>;
  readonly fingerprints: Record<string, unknown>;
  readonly certificate_expires_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export function toMerchantAccountView(row: MerchantAccountRow): MerchantAccountView {
  return {
    id: row.id,
    object: 'merchant_account',
    provider: row.provider,
    display_name: row.display_name,
    livemode: row.mode === 'live',
    is_default: row.is_default,
    status: row.status,
    health: row.health,
    health_detail: row.health_detail,
    health_checked_at: row.health_checked_at?.toISOString() ?? null,
    identifiers: row.identifiers,
    fingerprints: row.fingerprints,
    certificate_expires_at: row.certificate_expires_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
