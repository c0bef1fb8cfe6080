import { newId, PaymuxError } from '@paymux/core';
import { withSystem } from '@paymux/db';
import { hashPassword } from '@paymux/vault';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { parseInput } from '../parse-input.ts';
import { isUniqueViolation } from '../pg-errors.ts';

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
}

/**
 * Signs a tenant up: the tenant, its owner user (argon2id password) and the owner
 * membership, with an audit row, in one transaction. Sign-up precedes any tenant
 * context, so it runs on the reviewed system path.
 *
 * @example
 * const { tenant } = await createTenant({ ctx, input: { name: 'Acme', email: 'ops@acme.cn', password } });
 */
export async function createTenant({
  ctx,
  input,
}: {
  ctx: OperationContext;
  input: CreateTenantInput;
}): Promise<CreatedTenant> {
  const parsed = parseInput(createTenantInput, input);
  const passwordHash = await hashPassword(parsed.password);
  const tenantId = newId('tnt');
  const userId = newId('usr');
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
        data: { name: parsed.name, owner_user_id: userId },
        requestId: ctx.requestId,
      });
      return { tenant, owner: { id: userId, email: parsed.email } };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) {
      throw new PaymuxError('email_taken', `A user with email ${parsed.email} already exists.`);
    }
    throw error;
  }
}
