import { newId } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { type KeyProvider, sealSecret } from '@paymux/vault';
import { sql } from 'kysely';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { parseInput } from '../parse-input.ts';
import { credentialsContext } from './credentials-context.ts';
import { type MerchantAccountView, toMerchantAccountView } from './merchant-account-view.ts';
import { validateCredentials } from './validate-credentials.ts';

export const createMerchantAccountInput = z
  .object({
    tenantId: z.string(),
    mode: z.enum(['test', 'live']),
    provider: z.enum(['wechatpay', 'alipay']),
    display_name: z.string().trim().min(1).max(200),
    credentials: z.record(z.string(), z.unknown()),
    /** Make it the default for its provider and mode; the first account of a kind always is. */
    is_default: z.boolean().optional(),
  })
  .strict();

export type CreateMerchantAccountInput = z.input<typeof createMerchantAccountInput>;

/**
 * Stores a merchant account: credentials validated with field-level errors, sealed in the
 * vault under a fresh data key bound to this tenant and record; only identifiers and
 * fingerprints stay readable. The audit row records fingerprints, never secrets.
 *
 * @example
 * const account = await createMerchantAccount({ ctx: { ...ctx, vault }, input: { tenantId, mode: 'live', provider: 'alipay', display_name: 'Shop', credentials } });
 */
export async function createMerchantAccount({
  ctx,
  input,
}: {
  ctx: OperationContext & { vault: KeyProvider };
  input: CreateMerchantAccountInput;
}): Promise<MerchantAccountView> {
  const parsed = parseInput(createMerchantAccountInput, input);
  const validated = validateCredentials(parsed.provider, parsed.credentials);
  const id = newId('mca');
  const envelope = await sealSecret(
    ctx.vault,
    Buffer.from(JSON.stringify(validated.secret), 'utf8'),
    credentialsContext(parsed.tenantId, id),
  );
  return await withTenant(ctx.db, parsed.tenantId, async (trx) => {
    const currentDefault = await trx
      .selectFrom('merchant_accounts')
      .select('id')
      .where('tenant_id', '=', parsed.tenantId)
      .where('mode', '=', parsed.mode)
      .where('provider', '=', parsed.provider)
      .where('is_default', '=', true)
      .where('deleted_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    const makeDefault = parsed.is_default === true || !currentDefault;
    if (makeDefault && currentDefault) {
      await trx
        .updateTable('merchant_accounts')
        .set({ is_default: false, updated_at: sql<Date>`now()` })
        .where('tenant_id', '=', parsed.tenantId)
        .where('id', '=', currentDefault.id)
        .execute();
    }
    const row = await trx
      .insertInto('merchant_accounts')
      .values({
        tenant_id: parsed.tenantId,
        id,
        mode: parsed.mode,
        provider: parsed.provider,
        display_name: parsed.display_name,
        is_default: makeDefault,
        identifiers: JSON.stringify(validated.identifiers),
        fingerprints: JSON.stringify(validated.fingerprints),
        certificate_expires_at: validated.certificateExpiresAt,
        credentials: JSON.stringify(envelope),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      tenantId: parsed.tenantId,
      actor: ctx.actor,
      action: 'merchant_account.created',
      targetType: 'merchant_account',
      targetId: id,
      data: {
        provider: parsed.provider,
        mode: parsed.mode,
        identifiers: validated.identifiers,
        fingerprints: validated.fingerprints,
        is_default: makeDefault,
      },
      requestId: ctx.requestId,
    });
    return toMerchantAccountView(row);
  });
}
