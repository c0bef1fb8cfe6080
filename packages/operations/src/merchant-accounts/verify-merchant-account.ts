import { withTenant } from '@paymux/db';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { findMerchantAccount } from './find-merchant-account.ts';
import { type MerchantAccountView, toMerchantAccountView } from './merchant-account-view.ts';
import { type ProviderContext, providerForAccount } from './provider-for-account.ts';

/**
 * Makes a real signed call to the provider with the account's credentials (a query for
 * an order that cannot exist) and records the account's health: `ok`,
 * `invalid_credentials`, `unreachable`, or `certificate_expiring` (within 30 days).
 * The provider call runs outside any transaction.
 */
export async function verifyMerchantAccount({
  ctx,
  input,
}: {
  ctx: OperationContext & ProviderContext;
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<MerchantAccountView> {
  const row = await withTenant(ctx.db, input.tenantId, (trx) => findMerchantAccount(trx, input, input.id));
  const provider = await providerForAccount(ctx, row);
  const now = ctx.now?.() ?? new Date();
  const result = await provider.verifyCredentials(now);
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    await findMerchantAccount(trx, input, input.id, { forUpdate: true });
    const updated = await trx
      .updateTable('merchant_accounts')
      .set({
        health: result.health,
        health_detail: result.detail ?? null,
        health_checked_at: now,
        updated_at: sql<Date>`updated_at`,
      })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'merchant_account.verified',
      targetType: 'merchant_account',
      targetId: input.id,
      data: { health: result.health, previous_health: row.health },
      requestId: ctx.requestId,
    });
    return toMerchantAccountView(updated);
  });
}
