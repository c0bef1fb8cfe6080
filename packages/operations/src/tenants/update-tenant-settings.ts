import { isId, PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';

export interface TenantSettings {
  /** Refund, in full and at once, a payment that succeeded after Paymux closed or failed it. */
  readonly auto_refund_late_payments: boolean;
}

/** Changes a tenant's settings, audited. */
export async function updateTenantSettings({
  ctx,
  input,
}: {
  ctx: OperationContext;
  input: { tenantId: string } & Partial<TenantSettings>;
}): Promise<TenantSettings> {
  if (!isId('tnt', input.tenantId)) throw new PaymuxError('not_found', `No such tenant: ${input.tenantId}`);
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    const row = await trx
      .updateTable('tenants')
      .set({
        ...(input.auto_refund_late_payments !== undefined
          ? { auto_refund_late_payments: input.auto_refund_late_payments }
          : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', input.tenantId)
      .returning(['auto_refund_late_payments'])
      .executeTakeFirst();
    if (!row) throw new PaymuxError('not_found', `No such tenant: ${input.tenantId}`);
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'tenant.settings_updated',
      targetType: 'tenant',
      targetId: input.tenantId,
      data: { auto_refund_late_payments: row.auto_refund_late_payments },
      requestId: ctx.requestId,
    });
    return row;
  });
}
