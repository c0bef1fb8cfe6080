import { newId } from '@paymux/core';
import { type TenantTransaction, withTenant } from '@paymux/db';
import type { ValidatedCredentials } from '@paymux/providers';
import { type Envelope, type KeyProvider, sealSecret } from '@paymux/vault';
import { sql } from 'kysely';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { Actor, OperationContext } from '../context.ts';
import { parseInput } from '../parse-input.ts';
import { credentialsContext } from './credentials-context.ts';
import { type MerchantAccountView, toMerchantAccountView } from './merchant-account-view.ts';
import { type AnyCredentials, validateCredentials } from './validate-credentials.ts';

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

/** A merchant account validated and sealed, ready to insert (no database work done yet). */
export interface PreparedMerchantAccount {
  readonly id: string;
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly provider: 'wechatpay' | 'alipay';
  readonly displayName: string;
  readonly isDefault: boolean | undefined;
  readonly validated: ValidatedCredentials<AnyCredentials>;
  readonly envelope: Envelope;
}

/** Validates credentials (field-level errors) and seals them under a fresh data key bound to the new record. */
export async function prepareMerchantAccount(
  vault: KeyProvider,
  input: CreateMerchantAccountInput,
): Promise<PreparedMerchantAccount> {
  const parsed = parseInput(createMerchantAccountInput, input);
  const validated = validateCredentials(parsed.provider, parsed.credentials);
  const id = newId('mca');
  const envelope = await sealSecret(
    vault,
    Buffer.from(JSON.stringify(validated.secret), 'utf8'),
    credentialsContext(parsed.tenantId, id),
  );
  return {
    id,
    tenantId: parsed.tenantId,
    mode: parsed.mode,
    provider: parsed.provider,
    displayName: parsed.display_name,
    isDefault: parsed.is_default,
    validated,
    envelope,
  };
}

/**
 * Serialises changes to the default account of one tenant, mode and provider: with no
 * default yet, `FOR UPDATE` has no row to lock, so concurrent first accounts would race
 * on the unique index. A transaction-scoped advisory lock closes that gap.
 */
export async function lockDefaultSlot(
  trx: TenantTransaction,
  tenantId: string,
  mode: 'test' | 'live',
  provider: 'wechatpay' | 'alipay',
): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`merchant-default:${tenantId}:${mode}:${provider}`}, 0))`.execute(
    trx,
  );
}

/**
 * Inserts a prepared account inside the caller's tenant transaction, taking over the
 * default flag when asked (or when it is the first of its provider and mode), with its
 * audit row. The audit records fingerprints, never secrets.
 */
export async function insertMerchantAccount(
  trx: TenantTransaction,
  prepared: PreparedMerchantAccount,
  audit: { actor: Actor; requestId?: string | undefined },
): Promise<MerchantAccountView> {
  await lockDefaultSlot(trx, prepared.tenantId, prepared.mode, prepared.provider);
  const currentDefault = await trx
    .selectFrom('merchant_accounts')
    .select('id')
    .where('tenant_id', '=', prepared.tenantId)
    .where('mode', '=', prepared.mode)
    .where('provider', '=', prepared.provider)
    .where('is_default', '=', true)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  const makeDefault = prepared.isDefault === true || !currentDefault;
  if (makeDefault && currentDefault) {
    await trx
      .updateTable('merchant_accounts')
      .set({ is_default: false, updated_at: sql<Date>`now()` })
      .where('tenant_id', '=', prepared.tenantId)
      .where('id', '=', currentDefault.id)
      .execute();
  }
  const row = await trx
    .insertInto('merchant_accounts')
    .values({
      tenant_id: prepared.tenantId,
      id: prepared.id,
      mode: prepared.mode,
      provider: prepared.provider,
      display_name: prepared.displayName,
      is_default: makeDefault,
      identifiers: JSON.stringify(prepared.validated.identifiers),
      fingerprints: JSON.stringify(prepared.validated.fingerprints),
      certificate_expires_at: prepared.validated.certificateExpiresAt,
      credentials: JSON.stringify(prepared.envelope),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    tenantId: prepared.tenantId,
    actor: audit.actor,
    action: 'merchant_account.created',
    targetType: 'merchant_account',
    targetId: prepared.id,
    data: {
      provider: prepared.provider,
      mode: prepared.mode,
      identifiers: prepared.validated.identifiers,
      fingerprints: prepared.validated.fingerprints,
      is_default: makeDefault,
    },
    requestId: audit.requestId,
  });
  return toMerchantAccountView(row);
}

/**
 * Stores a merchant account: credentials validated with field-level errors, sealed in the
 * vault under a fresh data key bound to this tenant and record; only identifiers and
 * fingerprints stay readable.
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
  const prepared = await prepareMerchantAccount(ctx.vault, input);
  return await withTenant(ctx.db, prepared.tenantId, (trx) =>
    insertMerchantAccount(trx, prepared, { actor: ctx.actor, requestId: ctx.requestId }),
  );
}
