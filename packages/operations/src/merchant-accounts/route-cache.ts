import { InvalidatedCache, type MerchantAccountRow } from '@paymux/db';

/** Sent by a trigger on every committed update or deletion of a merchant account (migration 0009). */
export const MERCHANT_ACCOUNT_CHANGED_CHANNEL = 'paymux_merchant_account_changed';

/**
 * Merchant accounts as notification routing reads them (credentials still sealed), kept
 * in memory so a provider notification costs no routing round trip. Any change to an
 * account evicts it in every process within milliseconds; while the LISTEN connection is
 * down every notification is routed through the database.
 */
export type RouteCache = InvalidatedCache<MerchantAccountRow>;

export function createRouteCache(options: {
  databaseUrl: string;
  ttlMs?: number;
  maxEntries?: number;
  onConnectionLost?: (reason: unknown) => void;
}): RouteCache {
  return new InvalidatedCache<MerchantAccountRow>({
    databaseUrl: options.databaseUrl,
    channel: MERCHANT_ACCOUNT_CHANGED_CHANNEL,
    ttlMs: options.ttlMs ?? 60_000,
    maxEntries: options.maxEntries ?? 10_000,
    ...(options.onConnectionLost ? { onConnectionLost: options.onConnectionLost } : {}),
  });
}
