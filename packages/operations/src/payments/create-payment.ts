import { CHANNELS, isPaymuxError, newId, PaymuxError, providerOf } from '@paymux/core';
import {
  inTenantOneTrip,
  type MerchantAccountRow,
  type PaymentRow,
  type TenantTransaction,
  withTenant,
} from '@paymux/db';
import type { NextAction } from '@paymux/providers';
import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { OperationContext } from '../context.ts';
import { insertJobs } from '../jobs/enqueue-jobs.ts';
import { type LifecycleSchedule, paymentJobs } from '../jobs/lifecycle-jobs.ts';
import { type ProviderContext, providerForAccount } from '../merchant-accounts/provider-for-account.ts';
import { parseInput } from '../parse-input.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import { type AccountHint, AccountHints, accountHintsFor } from './account-hints.ts';
import { type PaymentView, toPaymentView } from './payment-view.ts';
import { resolveMerchantAccountVersion } from './resolve-merchant-account.ts';
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
 * Something the API must commit with the payment's record: its Idempotency-Key claim. Two
 * forms of the same write: `inTransaction`, run first in the transaction that records the
 * payment (it throws when refused, and that transaction rolls back); and `statement`, the
 * claim as a CTE of the payment's own INSERT (one round trip), which claims only where
 * `guard` holds and returns one row if it did (`claimed(token)` is then called once it has
 * committed). No row from it means nothing was written.
 */
export interface PaymentClaim {
  inTransaction(trx: TenantTransaction): Promise<void>;
  /** Undefined when there is nothing left to claim. */
  statement(guard: RawBuilder<boolean>): RawBuilder<{ token: string }> | undefined;
  claimed(token: string): void;
}

/**
 * Something the API must commit with the payment's outcome: its Idempotency-Key response.
 * `inTransaction` runs in the transaction that stores the provider's answer; `statement` is
 * the same write as a CTE of that transaction's one statement, writing only where `guard`
 * holds and returning a row when it wrote (`committed(wrote)` is told once it committed).
 */
export interface PaymentCommit {
  inTransaction(trx: TenantTransaction, payment: PaymentView): Promise<void>;
  statement(payment: PaymentView, guard: RawBuilder<boolean>): Promise<RawBuilder<unknown>>;
  committed(wrote: boolean): void;
}

interface Recorded {
  readonly account: MerchantAccountRow;
  readonly payment: PaymentRow;
  /** The payment row's version (`xmin`) as recorded, for the outcome's compare-and-set. */
  readonly version: string;
}

/**
 * Creates a payment: resolves the merchant account, records the payment
 * (`requires_payment`), calls the provider outside any transaction with our payment id
 * as out_trade_no, then stores the provider's references and the `next_action`.
 * A definitive provider refusal makes it `failed` with the provider's code; a timeout
 * leaves it `requires_payment` (the sync job settles it) with the error recorded.
 *
 * Both transactions are usually one statement each, in one round trip each
 * (`inTenantOneTrip`): the record re-checks the account this tenant's payments last went to
 * (`AccountHints`) in its own INSERT, and the outcome is a compare-and-set on the row as
 * recorded. When either finds something changed it has written nothing, and the general
 * path below runs instead (resolve the account, or read what changed the payment).
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
  /** What commits with the payment's record (the API's Idempotency-Key claim). */
  claimWith?: PaymentClaim | undefined;
  /** What commits with the payment's outcome (the API's Idempotency-Key response). */
  commitWith?: PaymentCommit | undefined;
}): Promise<PaymentView> {
  const p = parseInput(createPaymentInput, input);
  const scope = { tenantId: p.tenantId, mode: p.mode };
  const provider = providerOf(p.channel);
  const now = ctx.now?.() ?? new Date();
  const id = newId('pay');
  const expiresAt = new Date(now.getTime() + (p.expires_in ?? DEFAULT_EXPIRES_IN_S) * 1000);
  // Transactional outbox, in the payment's own statement: the sync and expiry jobs commit
  // with the payment or not at all.
  const jobs = paymentJobs(
    { tenant_id: p.tenantId, mode: p.mode, id, expires_at: expiresAt },
    ctx.jobSchedule,
  );
  const fields = {
    tenant_id: p.tenantId,
    id,
    mode: p.mode,
    provider,
    channel: p.channel,
    amount: BigInt(p.amount),
    description: p.description,
    merchant_order_id: p.merchant_order_id,
    payer_openid: p.payer?.openid ?? null,
    client_ip: p.client_ip ?? null,
    return_url: p.return_url ?? null,
    metadata: JSON.stringify(p.metadata ?? {}),
    expires_at: expiresAt,
  };
  const hints = accountHintsFor(ctx.db);
  const hintKey = AccountHints.key(scope, provider, p.merchant_account);

  const recordFromHint = async (hint: AccountHint): Promise<Recorded | undefined> => {
    const accountUnchanged = sql<boolean>`exists (
      select 1 from merchant_accounts
      where tenant_id = ${p.tenantId} and id = ${hint.account.id} and xmin = ${hint.version}::xid
    )`;
    const claim = claimWith?.statement(accountUnchanged);
    const paymentInsert = sql`
      insert into payments (
        tenant_id, id, mode, merchant_account_id, provider, channel, amount, currency, description,
        merchant_order_id, status, payer_openid, client_ip, return_url, metadata, expires_at
      )
      select ${fields.tenant_id}::text, ${fields.id}::text, ${fields.mode}::text, ${hint.account.id}::text,
        ${fields.provider}::text, ${fields.channel}::text, ${fields.amount}::bigint, 'CNY',
        ${fields.description}::text, ${fields.merchant_order_id}::text, 'requires_payment',
        ${fields.payer_openid}::text, ${fields.client_ip}::text, ${fields.return_url}::text,
        ${fields.metadata}::jsonb, ${fields.expires_at}::timestamptz
      where ${claim ? sql`exists (select 1 from claim)` : accountUnchanged}
      returning *, xmin::text as row_version
    `;
    const [row] = await inTenantOneTrip(
      ctx.db,
      p.tenantId,
      sql<PaymentRow & { row_version: string; claim_token: string | null }>`
        with ${claim ? sql`claim as (${claim}),` : sql``}
        payment as (${paymentInsert}),
        jobs as (${insertJobs(jobs, { onlyIf: sql<boolean>`exists (select 1 from payment)` })})
        select payment.*, ${claim ? sql`(select token from claim)` : sql`null::text`} as claim_token
        from payment
      `,
    );
    if (!row) return undefined;
    const { row_version, claim_token, ...payment } = row;
    if (claim) claimWith?.claimed(claim_token as string);
    return { account: hint.account, payment, version: row_version };
  };

  const recordResolving = () =>
    withTenant(ctx.db, p.tenantId, async (trx): Promise<Recorded> => {
      await claimWith?.inTransaction(trx);
      const { account, version } = await resolveMerchantAccountVersion(
        trx,
        scope,
        provider,
        p.merchant_account,
      );
      hints.set(hintKey, { account, version });
      const { jobs_written, row_version, ...payment } = await trx
        .with('payment', (db) =>
          db
            .insertInto('payments')
            .values({
              ...fields,
              merchant_account_id: account.id,
              currency: 'CNY',
              status: 'requires_payment',
              next_action: null,
              provider_reference: JSON.stringify({}),
            })
            .returningAll()
            .returning(sql<string>`xmin::text`.as('row_version')),
        )
        // Kysely parenthesises a builder's CTE, not a raw one.
        .with('jobs', () => sql`(${insertJobs(jobs)})`)
        .selectFrom('payment')
        .selectAll('payment')
        .select(sql<number>`(select count(*)::int from jobs)`.as('jobs_written'))
        .executeTakeFirstOrThrow();
      if (jobs_written !== jobs.length)
        throw new Error(`createPayment: ${jobs_written} of ${jobs.length} jobs written`);
      return { account, payment, version: row_version };
    });

  let recorded: Recorded;
  try {
    const hint = hints.get(hintKey);
    const fromHint = hint ? await recordFromHint(hint) : undefined;
    // No row: the account changed (or the key was not free); nothing was written.
    if (hint && !fromHint) hints.delete(hintKey);
    recorded = fromHint ?? (await recordResolving());
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
  const { account, payment, version } = recorded;

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

  if (nextAction) {
    const stored = await storeNextActionInOneTrip(nextAction);
    if (stored) return stored;
  }
  return await withTenant(ctx.db, p.tenantId, async (trx) => {
    const view = toPaymentView(await storeOutcome(trx));
    await commitWith?.inTransaction(trx, view);
    return view;
  });

  /**
   * The usual outcome as one statement: a compare-and-set on the payment exactly as recorded
   * (nothing else has touched it: no notification, no close), so the view is known before
   * it is written. Undefined when something did touch it; then nothing was written.
   */
  async function storeNextActionInOneTrip(action: NextAction): Promise<PaymentView | undefined> {
    const view = toPaymentView({
      ...payment,
      next_action: action,
      provider_reference: providerReference,
    });
    const commit = await commitWith?.statement(view, sql<boolean>`exists (select 1 from updated)`);
    const [row] = await inTenantOneTrip(
      ctx.db,
      p.tenantId,
      sql<{ updated: number; committed: number }>`
        with updated as (
          update payments
          set next_action = ${JSON.stringify(action)}::jsonb,
            provider_reference = ${JSON.stringify(providerReference)}::jsonb
          where tenant_id = ${p.tenantId} and id = ${payment.id} and xmin = ${version}::xid
          returning 1
        )
        ${commit ? sql`, committed as (${commit})` : sql``}
        select (select count(*)::int from updated) as updated,
          ${commit ? sql`(select count(*)::int from committed)` : sql`0`} as committed
      `,
    );
    if (row?.updated !== 1) return undefined;
    commitWith?.committed(row.committed === 1);
    return view;
  }

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
