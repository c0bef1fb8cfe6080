import { isId, isPaymuxError, newId, PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import type { RefundResult } from '@paymux/providers';
import { sql } from 'kysely';
import { z } from 'zod';
import type { OperationContext } from '../context.ts';
import { type LifecycleSchedule, scheduleRefundSync } from '../jobs/lifecycle-jobs.ts';
import { type ProviderContext, providerForAccount } from '../merchant-accounts/provider-for-account.ts';
import { parseInput } from '../parse-input.ts';
import { findPayment } from '../payments/find-payment.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import { type RefundView, toRefundView } from './refund-view.ts';
import { settleRefund } from './settle-refund.ts';

const refundBodyShape = {
  payment: z.string().refine((v) => isId('pay', v), 'must be a payment id (pay_…)'),
  /** Defaults to everything still refundable. */
  amount: z.number().int().min(1).optional(),
  reason: z.string().trim().min(1).max(80).optional(),
  merchant_refund_id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_\-|*.:]+$/, 'letters, digits and _-|*.: only')
    .optional(),
};

/** `POST /v1/refunds` body. */
export const createRefundBody = z.object(refundBodyShape).strict();

export const createRefundInput = z
  .object({ ...refundBodyShape, tenantId: z.string(), mode: z.enum(['test', 'live']) })
  .strict();

export type CreateRefundInput = z.input<typeof createRefundInput>;

/**
 * Refunds part or all of a succeeded payment. The refundable remainder is checked and
 * reserved under the payment's row lock (so concurrent refunds can never exceed what was
 * paid); the provider call happens after that transaction commits. WeChat Pay usually
 * answers "processing" (settled later by notification or sync); Alipay answers at once.
 */
export async function createRefund({
  ctx,
  input,
}: {
  ctx: OperationContext &
    ProviderContext & { publicUrl: string; jobSchedule?: LifecycleSchedule | undefined };
  input: CreateRefundInput;
}): Promise<RefundView> {
  const r = parseInput(createRefundInput, input);
  const scope = { tenantId: r.tenantId, mode: r.mode };
  const id = newId('rfd');
  let reserved: Awaited<ReturnType<typeof reserve>>;
  const reserve = () =>
    withTenant(ctx.db, r.tenantId, async (trx) => {
      const payment = await findPayment(trx, scope, r.payment, { forUpdate: true });
      if (payment.status !== 'succeeded') {
        throw new PaymuxError(
          'illegal_transition',
          `Only a succeeded payment can be refunded; this one is ${payment.status}.`,
        );
      }
      const remaining = payment.amount - payment.amount_refunded;
      const amount = r.amount === undefined ? remaining : BigInt(r.amount);
      if (amount <= 0n || amount > remaining) {
        throw new PaymuxError(
          'validation_failed',
          `The refundable remainder of ${payment.id} is ${remaining} (minor units); asked for ${amount}.`,
          { fields: [{ path: 'amount', message: `must be at most ${remaining}` }] },
        );
      }
      const refund = await trx
        .insertInto('refunds')
        .values({
          tenant_id: r.tenantId,
          id,
          mode: r.mode,
          payment_id: payment.id,
          merchant_account_id: payment.merchant_account_id,
          amount,
          currency: 'CNY',
          reason: r.reason ?? null,
          merchant_refund_id: r.merchant_refund_id ?? null,
          status: 'pending',
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // Transactional outbox, with the pending refund: a crash during the provider call below
      // still leaves its sync jobs behind. A refund settled at once makes them no-ops.
      await scheduleRefundSync(trx, refund, ctx.jobSchedule);
      await trx
        .updateTable('payments')
        .set({ amount_refunded: sql<bigint>`amount_refunded + ${amount}`, updated_at: sql<Date>`now()` })
        .where('tenant_id', '=', r.tenantId)
        .where('id', '=', payment.id)
        .execute();
      const account = await trx
        .selectFrom('merchant_accounts')
        .selectAll()
        .where('tenant_id', '=', r.tenantId)
        .where('id', '=', payment.merchant_account_id)
        .executeTakeFirstOrThrow();
      return { payment, refund, account };
    });
  try {
    reserved = await reserve();
  } catch (error) {
    if (isUniqueViolation(error, 'refunds_merchant_refund_id_key')) {
      throw new PaymuxError(
        'conflict',
        `A refund with merchant_refund_id ${r.merchant_refund_id} already exists.`,
        {
          fields: [{ path: 'merchant_refund_id', message: 'already used' }],
        },
      );
    }
    throw error;
  }
  const { payment, refund, account } = reserved;

  let result: RefundResult | undefined;
  let failure: PaymuxError | undefined;
  try {
    const client = await providerForAccount(ctx, account);
    result = await client.refund({
      outTradeNo: payment.id,
      outRefundNo: refund.id,
      amount: refund.amount,
      paymentAmount: payment.amount,
      reason: refund.reason ?? undefined,
      notifyUrl: `${ctx.publicUrl}/notify/${payment.provider}/${account.id}`,
    });
  } catch (error) {
    failure = isPaymuxError(error)
      ? error
      : new PaymuxError('provider_unavailable', 'The provider call failed unexpectedly.', { cause: error });
  }

  const row = await withTenant(ctx.db, r.tenantId, async (trx) => {
    if (result?.status === 'succeeded') {
      return (
        (await settleRefund(trx, refund, 'succeeded', {
          providerRefundId: result.providerRefundId,
          ...(result.succeededAt ? { succeededAt: result.succeededAt } : {}),
        })) ?? refund
      );
    }
    if (result?.status === 'failed' || (failure && !failure.retryable)) {
      return (
        (await settleRefund(trx, refund, 'failed', {
          failureCode: failure?.providerCode ?? failure?.code ?? result?.providerStatus ?? 'refund_failed',
          failureMessage: failure?.detail ?? `The provider reports the refund ${result?.providerStatus}.`,
        })) ?? refund
      );
    }
    // Processing at the provider, or an unknown outcome: pending until a notification or the sync job.
    if (result?.providerRefundId) {
      return await trx
        .updateTable('refunds')
        .set({ provider_refund_id: result.providerRefundId })
        .where('tenant_id', '=', r.tenantId)
        .where('id', '=', refund.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    return refund;
  });
  return toRefundView(row);
}
