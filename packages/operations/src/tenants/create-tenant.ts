import { newId, PaymuxError } from '@paymux/core';
import { switchToTenant, withSystem } from '@paymux/db';
import { hashPassword, type KeyProvider } from '@paymux/vault';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import {
  insertMerchantAccount,
  type PreparedMerchantAccount,
  prepareMerchantAccount,
} from '../merchant-accounts/create-merchant-account.ts';
import type { MerchantAccountView } from '../merchant-accounts/merchant-account-view.ts';
import { parseInput } from '../parse-input.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import {
  alipayCredentialsFromBundle,
  type SandboxProvisioner,
  wechatpayCredentialsFromBundle,
} from './sandbox-provisioner.ts';

export const createTenantInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    email: z
      .string()
      .trim()
      .toLowerCase()
      .max(320)
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address'),
    password: z.string().min(10, 'must be at least 10 characters').max(1024),
  })
  .strict();

export type CreateTenantInput = z.input<typeof createTenantInput>;

export interface CreatedTenant {
  readonly tenant: { id: string; name: string; created_at: Date };
  readonly owner: { id: string; email: string };
  /** The test-mode sandbox accounts, when test mode was provisioned. */
  readonly testAccounts: MerchantAccountView[];
}

/** Sign-up's test mode: sandbox merchants created through its admin API, sealed with this vault. */
export interface TestModeProvisioning {
  readonly sandbox: SandboxProvisioner;
  readonly vault: KeyProvider;
}

/**
 * Signs a tenant up: the tenant, its owner user (argon2id password), the owner
 * membership and, with `testMode`, a test-mode WeChat Pay and Alipay merchant account on
 * the built-in sandbox (created through its admin API, sealed like live credentials) —
 * all in one transaction, with audit rows. Sign-up precedes any tenant context, so it
 * starts on the reviewed system path and narrows to the new tenant for its own rows.
 *
 * @example
 * const { tenant } = await createTenant({ ctx, input: { name: 'Acme', email: 'ops@acme.cn', password } });
 */
export async function createTenant({
  ctx,
  input,
}: {
  ctx: OperationContext & { testMode?: TestModeProvisioning | undefined };
  input: CreateTenantInput;
}): Promise<CreatedTenant> {
  const parsed = parseInput(createTenantInput, input);
  const passwordHash = await hashPassword(parsed.password);
  const tenantId = newId('tnt');
  const userId = newId('usr');
  const existing = await withSystem(ctx.db, 'create-tenant', (trx) =>
    trx.selectFrom('users').select('id').where('email', '=', parsed.email).executeTakeFirst(),
  );
  if (existing) throw new PaymuxError('email_taken', `A user with email ${parsed.email} already exists.`);
  // Provider calls happen before the transaction: never hold one open across HTTP.
  const prepared = ctx.testMode ? await prepareTestAccounts(ctx.testMode, tenantId, parsed.name) : [];
  try {
    return await withSystem(ctx.db, 'create-tenant', async (trx) => {
      const tenant = await trx
        .insertInto('tenants')
        .values({ id: tenantId, name: parsed.name })
        .returning(['id', 'name', 'created_at'])
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('users')
        .values({ id: userId, email: parsed.email, password_hash: passwordHash, name: null })
        .execute();
      await trx
        .insertInto('memberships')
        .values({ tenant_id: tenantId, user_id: userId, role: 'owner' })
        .execute();
      await recordAudit(trx, {
        tenantId,
        actor: ctx.actor,
        action: 'tenant.created',
        targetType: 'tenant',
        targetId: tenantId,
        data: { name: parsed.name, owner_user_id: userId, test_mode: prepared.length > 0 },
        requestId: ctx.requestId,
      });
      const testAccounts: MerchantAccountView[] = [];
      if (prepared.length > 0) {
        const tenantTrx = await switchToTenant(trx, tenantId);
        for (const account of prepared) {
          testAccounts.push(
            await insertMerchantAccount(tenantTrx, account, { actor: ctx.actor, requestId: ctx.requestId }),
          );
        }
      }
      return { tenant, owner: { id: userId, email: parsed.email }, testAccounts };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) {
      throw new PaymuxError('email_taken', `A user with email ${parsed.email} already exists.`);
    }
    throw error;
  }
}

async function prepareTestAccounts(
  testMode: TestModeProvisioning,
  tenantId: string,
  tenantName: string,
): Promise<PreparedMerchantAccount[]> {
  const name = `${tenantName.slice(0, 150)} (test)`;
  const [wechat, alipay] = await Promise.all([
    testMode.sandbox.createWechatpayMerchant(name),
    testMode.sandbox.createAlipayApp(name),
  ]);
  return await Promise.all([
    prepareMerchantAccount(testMode.vault, {
      tenantId,
      mode: 'test',
      provider: 'wechatpay',
      display_name: 'WeChat Pay sandbox',
      credentials: wechatpayCredentialsFromBundle(wechat),
      is_default: true,
    }),
    prepareMerchantAccount(testMode.vault, {
      tenantId,
      mode: 'test',
      provider: 'alipay',
      display_name: 'Alipay sandbox',
      credentials: alipayCredentialsFromBundle(alipay),
      is_default: true,
    }),
  ]);
}
