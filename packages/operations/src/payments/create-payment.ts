import { CHANNELS, isPaymuxError, newId, PaymuxError, providerOf } from '@paymux/core';
import { type TenantTransaction, withTenant } from '@paymux/db';
import type { NextAction } from '@paymux/providers';
import { sql } from 'kysely';
import { z } from 'zod';
import type { OperationContext } from '../context.ts';
import { insertJobs } from '../jobs/enqueue-jobs.ts';
import { type LifecycleSchedule, paymentJobs } from '../jobs/lifecycle-jobs.ts';
import { type ProviderContext, providerForAccount } from '../merchant-accounts/provider-for-account.ts';
import { parseInput } from '../parse-input.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import { type PaymentView, toPaymentView } from './payment-view.ts';
import { resolveMerchantAccount } from './resolve-merchant-account.ts';
import { transitionPayment } from './transition-payment.ts';

/** ¥100,000,000: the largest single payment either provider accepts. */
export const MAX_AMOUNT = 10_000_000_000;
export const DEFAULT_EXPIRES_IN_S = 15 * 60;

const metadata = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 20, 'at most 20 keys');

/** The request body's fields (the API route and the verb share them). */
const paymentBodyShape = {
  amount: z.number().int().min(1).max(MAX_AMOUNT),
  currency: z.literal('CNY'),
  channel: z.enum(CHANNELS),
  description: z.string().trim().min(1).max(127),
  merchant_order_id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_\-|*.:]+$/, 'letters, digits and _-|*.: only'),
  merchant_account: z.string().max(64).optional(),
  expires_in: z.number().int().min(60).max(86_400).optional(),
  payer: z
    .object({ openid: z.string().min(1).max(128) })
    .strict()
    .optional(),
  client_ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  return_url: z
    .url()
    .max(1024)
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
    .optional(),
  metadata: metadata.optional(),
};

function channelRequirements(
  p: { channel: string; payer?: { openid: string } | undefined; client_ip?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (p.channel === 'wechat.jsapi' && !p.payer) {
    ctx.addIssue({ code: 'custom', path: ['payer', 'openid'], message: 'is required for wechat.jsapi' });
  }
  if (p.channel === 'wechat.h5' && !p.client_ip) {
    ctx.addIssue({ code: 'custom', path: ['client_ip'], message: 'is required for wechat.h5' });
  }
}

/** `POST /v1/payments` body. */
export const createPaymentBody = z.object(paymentBodyShape).strict().superRefine(channelRequirements);

export const createPaymentInput = z
  .object({ ...paymentBodyShape, tenantId: z.string(), mode: z.enum(['test', 'live']) })
  .strict()
  .superRefine(channelRequirements);

export type CreatePaymentInput = z.input<typeof createPaymentInput>;

export interface PaymentContext extends OperationContext, ProviderContext {
  /** Base URL providers call back: notify_url = PUBLIC_URL/notify/{provider}/{merchant_account_id}. */
  readonly publicUrl: string;
  /** When the sync and expiry jobs run (default: DEFAULT_LIFECYCLE_SCHEDULE); tests shorten it. */
  readonly jobSchedule?: LifecycleSchedule | undefined;
}

/**
 * Creates a payment: resolves the merchant account, records the payment
 * (`requires_payment`), calls the provider outside any transaction with our payment id
 * as out_trade_no, then stores the provider's references and the `next_action`.
 * A definitive provider refusal makes it `failed` with the provider's code; a timeout
 * leaves it `requires_payment` (the sync job settles it) with the error recorded.
 *
 * @example
 * const payment = await createPayment({ ctx, input: { tenantId, mode: 'test', amount: 100, currency: 'CNY', channel: 'alipay.qr', description: 'Tea', merchant_order_id: 'o-1' } });
 * payment.next_action // { type: 'qr_code', qr_code: '…' }
 */
export async function createPayment({
  ctx,
  input,
  claimWith,
  commitWith,
}: {
  ctx: PaymentContext;
  input: CreatePaymentInput;
  /**
   * Runs first in the transaction that records the payment, before anything else is
   * written: what the payment's creation depends on (the API claims its Idempotency-Key
   * here). If it throws, nothing is recorded and the error propagates.
   */
  claimWith?: ((trx: TenantTransaction) => Promise<void>) | undefined;
  /**
   * Runs in the transaction that stores the provider's answer, with the payment as it
   * will be returned: what must commit with the payment's outcome (the API stores its
   * Idempotency-Key's response here).
   */
  commitWith?: ((trx: TenantTransaction, payment: PaymentView) => Promise<void>) | undefined;
}): Promise<PaymentView> {
  const p = parseInput(createPaymentInput, input);
  const scope = { tenantId: p.tenantId, mode: p.mode };
  const provider = providerOf(p.channel);
  const now = ctx.now?.() ?? new Date();
  const id = newId('pay');
  const expiresAt = new Date(now.getTime() + (p.expires_in ?? DEFAULT_EXPIRES_IN_S) * 1000);

  let created: Awaited<ReturnType<typeof insert>>;
  const insert = () =>
    withTenant(ctx.db, p.tenantId, async (trx) => {
      await claimWith?.(trx);
      const account = await resolveMerchantAccount(trx, scope, provider, p.merchant_account);
      // Transactional outbox, in the payment's own statement: the sync and expiry jobs
      // commit with the payment or not at all.
      const jobs = paymentJobs(
        { tenant_id: p.tenantId, mode: p.mode, id, expires_at: expiresAt },
        ctx.jobSchedule,
      );
      const { jobs_written, ...payment } = await trx
        .with('payment', (db) =>
          db
            .insertInto('payments')
            .values({
              tenant_id: p.tenantId,
              id,
              mode: p.mode,
              merchant_account_id: account.id,
              provider,
              channel: p.channel,
              amount: BigInt(p.amount),
              currency: 'CNY',
              description: p.description,
              merchant_order_id: p.merchant_order_id,
              status: 'requires_payment',
              next_action: null,
              provider_reference: JSON.stringify({}),
              payer_openid: p.payer?.openid ?? null,
              client_ip: p.client_ip ?? null,
              return_url: p.return_url ?? null,
              metadata: JSON.stringify(p.metadata ?? {}),
              expires_at: expiresAt,
            })
            .returningAll(),
        )
        // Kysely parenthesises a builder's CTE, not a raw one.
        .with('jobs', () => sql`(${insertJobs(jobs)})`)
        .selectFrom('payment')
        .selectAll('payment')
        .select(sql<number>`(select count(*)::int from jobs)`.as('jobs_written'))
        .executeTakeFirstOrThrow();
      // A missing queue would drop its jobs silently; fail the whole transaction instead.
      if (jobs_written !== jobs.length)
        throw new Error(`createPayment: ${jobs_written} of ${jobs.length} jobs written`);
      return { account, payment };
    });
  try {
    created = await insert();
  } catch (error) {
    if (isUniqueViolation(error, 'payments_merchant_order_id_key')) {
      throw new PaymuxError(
        'conflict',
        `A payment with merchant_order_id ${p.merchant_order_id} already exists in ${p.mode} mode.`,
        { fields: [{ path: 'merchant_order_id', message: 'already used' }] },
      );
    }
    throw error;
  }
  const { account, payment } = created;

  let nextAction: NextAction | undefined;
  let providerReference: Record<string, string> = {};
  let failure: PaymuxError | undefined;
  try {
    const client = await providerForAccount(ctx, account);
    const result = await client.createPayment({
      channel: p.channel,
      outTradeNo: payment.id,
      amount: payment.amount,
      currency: 'CNY',
      description: p.description,
      expiresAt,
      notifyUrl: `${ctx.publicUrl}/notify/${provider}/${account.id}`,
      payerOpenid: p.payer?.openid,
      clientIp: p.client_ip,
      returnUrl: p.return_url,
    });
    nextAction = result.nextAction;
    providerReference = result.providerReference;
  } catch (error) {
    failure = isPaymuxError(error)
      ? error
      : new PaymuxError('provider_unavailable', 'The provider call failed unexpectedly.', { cause: error });
  }

  return await withTenant(ctx.db, p.tenantId, async (trx) => {
    const view = toPaymentView(await storeOutcome(trx));
    await commitWith?.(trx, view);
    return view;
  });

  async function storeOutcome(trx: TenantTransaction) {
    if (nextAction) {
      return await trx
        .updateTable('payments')
        .set({
          next_action: JSON.stringify(nextAction),
          provider_reference: JSON.stringify(providerReference),
        })
        .where('tenant_id', '=', p.tenantId)
        .where('id', '=', payment.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    const error = failure as PaymuxError;
    const failureFields = { failure_code: error.providerCode ?? error.code, failure_message: error.detail };
    if (error.retryable) {
      // Unknown outcome (timeout): the order may exist at the provider. Keep it pending
      // for the sync job; the tenant sees why there is no next_action.
      return await trx
        .updateTable('payments')
        .set(failureFields)
        .where('tenant_id', '=', p.tenantId)
        .where('id', '=', payment.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    return (await transitionPayment(trx, payment, 'failed', failureFields)) ?? payment;
  }
}
