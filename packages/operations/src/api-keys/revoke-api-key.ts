import { isId, PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { type ApiKeyView, toApiKeyView } from './api-key-view.ts';

/** Channel on which every API process hears about revocations (see services/api auth). */
export const API_KEY_REVOKED_CHANNEL = 'paymux_api_key_revoked';

/**
 * Revokes a key. The revocation commits with a NOTIFY, so every process drops the key
 * from its verification cache at once; idempotent for an already revoked key.
 */
export async function revokeApiKey({
  ctx,
  input,
}: {
  ctx: OperationContext;
  input: { tenantId: string; keyId: string };
}): Promise<ApiKeyView> {
  if (!isId('tnt', input.tenantId) || !isId('key', input.keyId)) {
    throw new PaymuxError('not_found', `No such API key: ${input.keyId}`);
  }
  return await withTenant(ctx.db, input.tenantId, async (trx) => {
    const existing = await trx
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.keyId)
      .forUpdate()
      .executeTakeFirst();
    if (!existing) throw new PaymuxError('not_found', `No such API key: ${input.keyId}`);
    if (existing.revoked_at) return toApiKeyView(existing);
    const row = await trx
      .updateTable('api_keys')
      .set({ revoked_at: sql<Date>`now()` })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.keyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await sql`select pg_notify(${API_KEY_REVOKED_CHANNEL}, ${input.keyId})`.execute(trx);
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'api_key.revoked',
      targetType: 'api_key',
      targetId: input.keyId,
      requestId: ctx.requestId,
    });
    return toApiKeyView(row);
  });
}
