import { withTenant } from '@paymux/db';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { findMerchantAccount } from './find-merchant-account.ts';
import { type MerchantAccountView, toMerchantAccountView } from './merchant-account-view.ts';

/**
 * Deletes a merchant account: it stops routing at once and disappears from the API,
 * while past payments keep their reference. The sealed credentials are destroyed.
 */
export async function deleteMerchantAccount({
  ctx,
  input,
}: {
  ctx: OperationContext;
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<MerchantAccountView> {
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    await findMerchantAccount(trx, input, input.id, { forUpdate: true });
    const row = await trx
      .updateTable('merchant_accounts')
      .set({
        deleted_at: sql<Date>`now()`,
        is_default: false,
        status: 'disabled',
        credentials: JSON.stringify({ destroyed: true }),
        updated_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'merchant_account.deleted',
      targetType: 'merchant_account',
      targetId: input.id,
      data: { fingerprints: row.fingerprints },
      requestId: ctx.requestId,
    });
    return toMerchantAccountView(row);
  });
}
