import { PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { type KeyProvider, sealSecret } from '@paymux/vault';
import { sql } from 'kysely';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { parseInput } from '../parse-input.ts';
import { lockDefaultSlot } from './create-merchant-account.ts';
import { credentialsContext } from './credentials-context.ts';
import { findMerchantAccount } from './find-merchant-account.ts';
import { type MerchantAccountView, toMerchantAccountView } from './merchant-account-view.ts';
import { validateCredentials } from './validate-credentials.ts';

export const updateMerchantAccountInput = z
  .object({
    tenantId: z.string(),
    mode: z.enum(['test', 'live']),
    id: z.string(),
    display_name: z.string().trim().min(1).max(200).optional(),
    is_default: z.literal(true).optional(),
    status: z.enum(['active', 'disabled']).optional(),
    /** Replaces the credentials entirely (same provider); health goes back to unverified. */
    credentials: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type UpdateMerchantAccountInput = z.input<typeof updateMerchantAccountInput>;

/**
 * Changes a merchant account. New credentials are validated and sealed under a new data
 * key; the old envelope is overwritten, and the audit log keeps the fingerprints of both.
 */
export async function updateMerchantAccount({
  ctx,
  input,
}: {
  ctx: OperationContext & { vault: KeyProvider };
  input: UpdateMerchantAccountInput;
}): Promise<MerchantAccountView> {
  const parsed = parseInput(updateMerchantAccountInput, input);
  const scope = { tenantId: parsed.tenantId, mode: parsed.mode };
  // Validate and seal before taking locks: key checks and encryption do not need the row.
  const existing = await withTenant(ctx.db, parsed.tenantId, (trx) =>
    findMerchantAccount(trx, scope, parsed.id),
  );
  const validated = parsed.credentials
    ? validateCredentials(existing.provider, parsed.credentials)
    : undefined;
  const envelope = validated
    ? await sealSecret(
        ctx.vault,
        Buffer.from(JSON.stringify(validated.secret), 'utf8'),
        credentialsContext(parsed.tenantId, parsed.id),
      )
    : undefined;

  return await withTenant(ctx.db, parsed.tenantId, async (trx) => {
    const current = await findMerchantAccount(trx, scope, parsed.id);
    await lockDefaultSlot(trx, parsed.tenantId, current.mode, current.provider);
    const row = await findMerchantAccount(trx, scope, parsed.id, { forUpdate: true });
    const nextStatus = parsed.status ?? row.status;
    if (parsed.is_default && nextStatus === 'disabled') {
      throw new PaymuxError('conflict', 'A disabled account cannot be the default.', {
        fields: [{ path: 'is_default', message: 'the account is disabled' }],
      });
    }
    // A disabled account is never the default: disabling the default clears the flag.
    const clearDefault = nextStatus === 'disabled' && row.is_default;
    if (parsed.is_default && !row.is_default) {
      await trx
        .updateTable('merchant_accounts')
        .set({ is_default: false, updated_at: sql<Date>`now()` })
        .where('tenant_id', '=', parsed.tenantId)
        .where('mode', '=', row.mode)
        .where('provider', '=', row.provider)
        .where('is_default', '=', true)
        .execute();
    }
    const updated = await trx
      .updateTable('merchant_accounts')
      .set({
        ...(parsed.display_name !== undefined ? { display_name: parsed.display_name } : {}),
        ...(parsed.is_default ? { is_default: true } : {}),
        ...(clearDefault ? { is_default: false } : {}),
        ...(parsed.status !== undefined ? { status: parsed.status } : {}),
        ...(validated && envelope
          ? {
              credentials: JSON.stringify(envelope),
              identifiers: JSON.stringify(validated.identifiers),
              fingerprints: JSON.stringify(validated.fingerprints),
              certificate_expires_at: validated.certificateExpiresAt,
              health: 'unverified' as const,
              health_detail: null,
              health_checked_at: null,
            }
          : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', parsed.tenantId)
      .where('id', '=', parsed.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      tenantId: parsed.tenantId,
      actor: ctx.actor,
      action: validated ? 'merchant_account.credentials_replaced' : 'merchant_account.updated',
      targetType: 'merchant_account',
      targetId: parsed.id,
      data: {
        changed: Object.keys(parsed).filter((k) => !['tenantId', 'mode', 'id'].includes(k)),
        ...(validated
          ? { previous_fingerprints: row.fingerprints, fingerprints: validated.fingerprints }
          : {}),
      },
      requestId: ctx.requestId,
    });
    return toMerchantAccountView(updated);
  });
}
