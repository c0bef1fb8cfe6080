// Property: whatever the order and repetition of what the providers and Paymux's own jobs
// say about ONE payment, money moves once. Random sequences drive the real verbs on a real
// PostgreSQL: genuine signed notifications through ingestNotification (the provider keys
// are the test's own), query results through applyPaymentQuery, local and (stale) expiry
// closes through transitionPayment, refunds through createRefund (the provider is
// unreachable, so each stays pending with its amount reserved), refund outcomes by
// notification or settleRefund, replays of any earlier notification, and two of these
// racing. After every step the database must equal a model, and the invariants hold:
// one payment.succeeded at most, non-failed refunds sum to amount_refunded <= amount,
// no status regresses except closed/failed -> succeeded (late), one event per transition.
import { randomUUID } from 'node:crypto';
import type { PaymentStatus } from '@paymux/core';
import { isPaymuxError } from '@paymux/core';
import { type PaymentRow, type RefundRow, withTenant } from '@paymux/db';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import {
  applyPaymentQuery,
  CredentialCache,
  createMerchantAccount,
  createPayment,
  createRefund,
  ingestNotification,
  OPERATOR,
  settleRefund,
  transitionPayment,
} from '@paymux/operations';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTenant, TEST_VAULT, UNREACHABLE_ENDPOINTS } from './support/fixtures.ts';
import type { Delivery, Provider } from './support/notification-harness.ts';
import {
  type AlipayProviderSide,
  alipayProviderSide,
  alipayTradeNotification,
  type WechatpayProviderSide,
  wechatpayProviderSide,
  wechatRefundNotification,
  wechatTransactionNotification,
} from './support/notification-signer.ts';

const NUM_RUNS = Number(process.env.NOTIFY_PROPERTY_RUNS ?? 100);
const SEED = process.env.NOTIFY_PROPERTY_SEED ? Number(process.env.NOTIFY_PROPERTY_SEED) : undefined;

let tdb: TestDatabase;
let tenantId: string;
let wechat: WechatpayProviderSide;
let alipay: AlipayProviderSide;
const accounts = {} as Record<Provider, string>;
const credentialCache = new CredentialCache();

const ctx = () => ({
  db: tdb.db,
  vault: TEST_VAULT,
  endpoints: { live: UNREACHABLE_ENDPOINTS, test: UNREACHABLE_ENDPOINTS },
  credentialCache,
  actor: OPERATOR,
  publicUrl: 'http://127.0.0.1:9',
});

beforeAll(async () => {
  tdb = await createTestDatabase();
  tenantId = (await makeTenant(tdb, 'Property shop')).id;
  [wechat, alipay] = await Promise.all([wechatpayProviderSide(), alipayProviderSide()]);
  for (const [provider, credentials] of [
    ['wechatpay', wechat.credentials],
    ['alipay', alipay.credentials],
  ] as const) {
    const account = await createMerchantAccount({
      ctx: { db: tdb.db, vault: TEST_VAULT, actor: OPERATOR },
      input: { tenantId, mode: 'test', provider, display_name: provider, credentials },
    });
    accounts[provider] = account.id;
  }
}, 60_000);
afterAll(() => tdb?.close());

// ---- steps ----------------------------------------------------------------------------

type PayEvent = 'succeeded' | 'closed' | 'failed' | 'pending';
type NotifyStep = { kind: 'notify'; status: PayEvent; otherTransaction: boolean; wrongAmount: boolean };
type QueryStep = { kind: 'query'; status: PayEvent | 'not_found'; otherTransaction: boolean };
type CloseStep = { kind: 'close' };
type RaceableStep = NotifyStep | QueryStep | CloseStep;
type Step =
  | RaceableStep
  /** The expiry sweep with a row it read before anything happened: a stale compare-and-set. */
  | { kind: 'expire' }
  | { kind: 'refund'; percent: number }
  | { kind: 'settle'; pick: number; to: 'succeeded' | 'failed'; via: 'notification' | 'direct' }
  | { kind: 'replay'; pick: number }
  | { kind: 'race'; a: RaceableStep; b: RaceableStep };

const payEvent = fc.constantFrom<PayEvent>(
  'succeeded',
  'succeeded',
  'succeeded',
  'closed',
  'failed',
  'pending',
);
const notifyStep: fc.Arbitrary<NotifyStep> = fc.record({
  kind: fc.constant('notify' as const),
  status: payEvent,
  otherTransaction: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
  wrongAmount: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});
const queryStep: fc.Arbitrary<QueryStep> = fc.record({
  kind: fc.constant('query' as const),
  status: fc.constantFrom<QueryStep['status']>(
    'succeeded',
    'succeeded',
    'closed',
    'failed',
    'pending',
    'not_found',
  ),
  otherTransaction: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
});
const closeStep: fc.Arbitrary<CloseStep> = fc.constant({ kind: 'close' as const });
const raceable = fc.oneof(notifyStep, queryStep, closeStep);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: notifyStep },
  { weight: 2, arbitrary: queryStep },
  { weight: 1, arbitrary: closeStep },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('refund' as const), percent: fc.integer({ min: 1, max: 130 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      to: fc.constantFrom<'succeeded' | 'failed'>('succeeded', 'succeeded', 'failed'),
      via: fc.constantFrom<'notification' | 'direct'>('notification', 'direct'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('race' as const), a: raceable, b: raceable }) },
);

// ---- the model ------------------------------------------------------------------------

type Outcome = 'applied' | 'duplicate' | 'rejected';

interface ModelRefund {
  readonly id: string;
  readonly amount: bigint;
  status: 'pending' | 'succeeded' | 'failed';
}

interface Model {
  status: PaymentStatus;
  late: boolean;
  tx: string | null;
  refunded: bigint;
  refunds: ModelRefund[];
  events: string[];
  outcomes: Record<Outcome, number>;
}

/** What a sent notification says, so a replay can be predicted like the original. */
type Said =
  | { kind: 'payment'; status: PayEvent; tx: string; amountOk: boolean }
  | { kind: 'refund'; refundId: string; to: 'succeeded' | 'failed' };

const clone = (m: Model): Model => ({
  ...m,
  refunds: m.refunds.map((r) => ({ ...r })),
  events: [...m.events],
  outcomes: { ...m.outcomes },
});

function transition(m: Model, to: PaymentStatus): void {
  m.late = m.late || ((m.status === 'closed' || m.status === 'failed') && to === 'succeeded');
  m.status = to;
  m.events.push(`payment.${to}`);
}

/** ingestNotification's contract, as the model states it. */
function onNotification(m: Model, said: Said): Outcome {
  const outcome = ((): Outcome => {
    if (said.kind === 'refund') {
      const r = m.refunds.find((x) => x.id === said.refundId);
      if (!r) throw new Error('model: unknown refund');
      if (r.status !== 'pending') return 'duplicate';
      settle(m, r, said.to);
      return 'applied';
    }
    if (!said.amountOk) return 'rejected';
    if (said.status === 'succeeded') {
      if (m.status === 'succeeded') return m.tx === null || m.tx === said.tx ? 'duplicate' : 'rejected';
      transition(m, 'succeeded');
      m.tx = said.tx;
      return 'applied';
    }
    if ((said.status === 'closed' || said.status === 'failed') && m.status === 'requires_payment') {
      transition(m, said.status);
      return 'applied';
    }
    return 'duplicate';
  })();
  m.outcomes[outcome] += 1;
  return outcome;
}

function onQuery(m: Model, status: QueryStep['status'], tx: string): void {
  if (status === 'succeeded' && m.status !== 'succeeded') {
    transition(m, 'succeeded');
    m.tx = tx;
  } else if ((status === 'closed' || status === 'failed') && m.status === 'requires_payment') {
    transition(m, status);
  }
}

function onClose(m: Model): void {
  if (m.status === 'requires_payment') transition(m, 'closed');
}

function settle(m: Model, r: ModelRefund, to: 'succeeded' | 'failed'): void {
  if (r.status !== 'pending') return;
  r.status = to;
  if (to === 'failed') m.refunded -= r.amount;
  m.events.push(`refund.${r.id}.${to}`);
}

// ---- one payment under test -----------------------------------------------------------

interface Run {
  readonly provider: Provider;
  readonly payment: PaymentRow;
  readonly tx: string;
  readonly otherTx: string;
  readonly refundRows: Map<string, RefundRow>;
  readonly sent: Array<{ delivery: Delivery; said: Said }>;
  lastStatus: PaymentStatus;
}

function paymentDelivery(run: Run, said: Extract<Said, { kind: 'payment' }>): Delivery {
  const amount = said.amountOk ? run.payment.amount : run.payment.amount + 1n;
  if (run.provider === 'wechatpay') {
    const tradeState = (
      { succeeded: 'SUCCESS', closed: 'CLOSED', failed: 'PAYERROR', pending: 'NOTPAY' } as const
    )[said.status];
    return wechatTransactionNotification(wechat, {
      outTradeNo: run.payment.id,
      transactionId: said.tx,
      tradeState,
      amount,
    });
  }
  // Alipay has no failed trade: a payer's failure leaves it waiting.
  const tradeStatus = (
    {
      succeeded: 'TRADE_SUCCESS',
      closed: 'TRADE_CLOSED',
      failed: 'WAIT_BUYER_PAY',
      pending: 'WAIT_BUYER_PAY',
    } as const
  )[said.status];
  return alipayTradeNotification(alipay, {
    outTradeNo: run.payment.id,
    tradeNo: said.tx,
    tradeStatus,
    amount,
  });
}

async function ingest(run: Run, delivery: Delivery): Promise<Outcome> {
  const result = await ingestNotification({
    ctx: { ...ctx(), requestId: 'property' },
    input: {
      provider: run.provider,
      merchantAccountId: accounts[run.provider],
      headers: delivery.headers,
      rawBody: delivery.body,
    },
  });
  if (result.outcome !== 'applied' && result.outcome !== 'duplicate' && result.outcome !== 'rejected') {
    throw new Error(`unexpected outcome ${result.outcome}: ${result.reason}`);
  }
  // The provider's answer matches the outcome: accepted iff applied or duplicate.
  const accepted = result.outcome !== 'rejected';
  if (run.provider === 'wechatpay') expect(result.acknowledgement.status).toBe(accepted ? 204 : 400);
  else expect(result.acknowledgement.body === 'success').toBe(accepted);
  return result.outcome;
}

/** Runs a step that can race; returns the notification outcome, if any, and updates `m` to the prediction. */
async function runRaceable(
  run: Run,
  s: RaceableStep,
  m: Model,
): Promise<{ actual?: Outcome; predicted?: Outcome }> {
  const tx = 'otherTransaction' in s && s.otherTransaction ? run.otherTx : run.tx;
  if (s.kind === 'notify') {
    // Alipay has no failed trade (a payer's failure leaves it WAIT_BUYER_PAY): it says pending.
    const status = run.provider === 'alipay' && s.status === 'failed' ? 'pending' : s.status;
    const said: Said = { kind: 'payment', status, tx, amountOk: !s.wrongAmount };
    const delivery = paymentDelivery(run, said);
    run.sent.push({ delivery, said });
    const predicted = onNotification(m, said);
    return { actual: await ingest(run, delivery), predicted };
  }
  if (s.kind === 'query') {
    onQuery(m, s.status, tx);
    const result =
      s.status === 'not_found'
        ? { status: 'not_found' as const, providerStatus: 'ORDER_NOT_EXIST' }
        : {
            status: s.status,
            providerStatus: s.status.toUpperCase(),
            ...(s.status === 'succeeded' ? { providerTransactionId: tx, paidAt: new Date() } : {}),
          };
    await applyPaymentQuery(ctx(), run.payment, result);
    return {};
  }
  onClose(m);
  await withTenant(tdb.db, tenantId, async (trx) => {
    const current = await trx
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', run.payment.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (current.status === 'requires_payment')
      await transitionPayment(trx, current, 'closed', { closed_at: new Date() });
  });
  return {};
}

async function runStep(run: Run, s: Step, m: Model): Promise<Model> {
  switch (s.kind) {
    case 'notify':
    case 'query':
    case 'close': {
      const { actual, predicted } = await runRaceable(run, s, m);
      expect(actual).toBe(predicted);
      return m;
    }
    case 'expire': {
      onClose(m);
      await withTenant(tdb.db, tenantId, (trx) =>
        transitionPayment(trx, run.payment, 'closed', { closed_at: new Date() }),
      );
      return m;
    }
    case 'refund': {
      const amount = BigInt(Math.max(1, Math.floor((Number(run.payment.amount) * s.percent) / 100)));
      const expected =
        m.status !== 'succeeded'
          ? 'illegal_transition'
          : amount > run.payment.amount - m.refunded
            ? 'validation_failed'
            : 'pending';
      let got: string;
      let id: string | undefined;
      try {
        const refund = await createRefund({
          ctx: ctx(),
          input: { tenantId, mode: 'test', payment: run.payment.id, amount: Number(amount) },
        });
        got = refund.status;
        id = refund.id;
      } catch (error) {
        if (!isPaymuxError(error)) throw error;
        got = error.code;
      }
      expect(got).toBe(expected);
      if (id) {
        m.refunds.push({ id, amount, status: 'pending' });
        m.refunded += amount;
        const row = await tdb.owner
          .selectFrom('refunds')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        run.refundRows.set(id, row as RefundRow);
      }
      return m;
    }
    case 'settle': {
      if (m.refunds.length === 0) return m;
      const r = m.refunds[s.pick % m.refunds.length] as ModelRefund;
      if (s.via === 'notification' && run.provider === 'wechatpay') {
        const said: Said = { kind: 'refund', refundId: r.id, to: s.to };
        const delivery = wechatRefundNotification(wechat, {
          outTradeNo: run.payment.id,
          transactionId: m.tx ?? run.tx,
          outRefundNo: r.id,
          status: s.to === 'succeeded' ? 'SUCCESS' : 'CLOSED',
          refund: r.amount,
          total: run.payment.amount,
        });
        run.sent.push({ delivery, said });
        const predicted = onNotification(m, said);
        expect(await ingest(run, delivery)).toBe(predicted);
        return m;
      }
      // The refund sync job (Alipay has no refund notifications), holding the row it read when the refund began.
      settle(m, r, s.to);
      await withTenant(tdb.db, tenantId, (trx) =>
        settleRefund(trx, run.refundRows.get(r.id) as RefundRow, s.to, {
          failureCode: 'REFUND_CLOSED',
          failureMessage: 'closed',
        }),
      );
      return m;
    }
    case 'replay': {
      if (run.sent.length === 0) return m;
      const { delivery, said } = run.sent[s.pick % run.sent.length] as (typeof run.sent)[number];
      const predicted = onNotification(m, said);
      expect(await ingest(run, delivery)).toBe(predicted);
      return m;
    }
    case 'race': {
      // Both serial orders are correct answers; the database must match one of them exactly.
      const ab = clone(m);
      const ba = clone(m);
      const sentBefore = run.sent.length;
      // Each runRaceable predicts into `ab` before its first await, so `ab` is a-then-b.
      await Promise.all([runRaceable(run, s.a, ab), runRaceable(run, s.b, ab)]);
      const raced = run.sent.slice(sentBefore);
      // The raced notifications were sent in step order: a's (if a notifies), then b's.
      let next = 0;
      const saidBy = [s.a, s.b].map((sub) => (sub.kind === 'notify' ? raced[next++]?.said : undefined));
      for (const i of [1, 0]) {
        const sub = [s.a, s.b][i] as RaceableStep;
        if (sub.kind === 'notify') onNotification(ba, saidBy[i] as Said);
        else if (sub.kind === 'query') onQuery(ba, sub.status, sub.otherTransaction ? run.otherTx : run.tx);
        else onClose(ba);
      }
      const db = await snapshot(run);
      const candidates = [ab, ba].filter((c) => JSON.stringify(expected(c)) === JSON.stringify(db));
      expect(
        candidates.length,
        `race ${JSON.stringify(s)}: ${JSON.stringify(db)} matches neither serial order`,
      ).toBeGreaterThan(0);
      return candidates[0] as Model;
    }
  }
}

/** The database's view, in the model's shape. */
async function snapshot(run: Run) {
  const p = await tdb.owner
    .selectFrom('payments')
    .selectAll()
    .where('id', '=', run.payment.id)
    .executeTakeFirstOrThrow();
  const refunds = await tdb.owner
    .selectFrom('refunds')
    .select(['id', 'amount', 'status'])
    .where('payment_id', '=', run.payment.id)
    .orderBy('id')
    .execute();
  const ids = [run.payment.id, ...refunds.map((r: { id: string }) => r.id)];
  const events = await tdb.owner
    .selectFrom('events')
    .select(['object_id', 'type'])
    .where('object_id', 'in', ids)
    .execute();
  const records = await tdb.owner
    .selectFrom('provider_notifications')
    .select('outcome')
    .where('payment_id', '=', run.payment.id)
    .execute();
  const outcomes: Record<Outcome, number> = { applied: 0, duplicate: 0, rejected: 0 };
  for (const r of records as Array<{ outcome: Outcome }>) outcomes[r.outcome] += 1;
  return {
    status: p.status as PaymentStatus,
    late: p.late as boolean,
    tx: p.provider_transaction_id as string | null,
    refunded: String(p.amount_refunded),
    refunds: (refunds as Array<{ id: string; amount: bigint; status: string }>).map((r) => ({
      id: r.id,
      amount: String(r.amount),
      status: r.status,
    })),
    events: (events as Array<{ object_id: string; type: string }>)
      .map((e) =>
        e.object_id === run.payment.id
          ? e.type
          : `${e.type.split('.')[0]}.${e.object_id}.${e.type.split('.')[1]}`,
      )
      .sort(),
    outcomes,
  };
}

function expected(m: Model) {
  return {
    status: m.status,
    late: m.late,
    tx: m.tx,
    refunded: String(m.refunded),
    refunds: [...m.refunds]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((r) => ({ id: r.id, amount: String(r.amount), status: r.status })),
    events: [...m.events].sort(),
    outcomes: m.outcomes,
  };
}

const ALLOWED: Record<PaymentStatus, readonly PaymentStatus[]> = {
  requires_payment: ['requires_payment', 'succeeded', 'closed', 'failed'],
  closed: ['closed', 'succeeded'],
  succeeded: ['succeeded'],
  failed: ['failed', 'succeeded'],
};

/** The invariants, stated on the database alone (not through the model). */
function checkInvariants(run: Run, db: Awaited<ReturnType<typeof snapshot>>): void {
  const succeededEvents = db.events.filter((e) => e === 'payment.succeeded').length;
  expect(succeededEvents).toBeLessThanOrEqual(1);
  const live = db.refunds.filter((r) => r.status !== 'failed').reduce((n, r) => n + BigInt(r.amount), 0n);
  expect(String(live)).toBe(db.refunded);
  expect(live <= run.payment.amount).toBe(true);
  expect(ALLOWED[run.lastStatus]).toContain(db.status);
  if ((run.lastStatus === 'closed' || run.lastStatus === 'failed') && db.status === 'succeeded')
    expect(db.late).toBe(true);
  // One event per transition: a payment reaches each status at most once, each refund settles once.
  for (const type of ['payment.succeeded', 'payment.closed', 'payment.failed']) {
    expect(db.events.filter((e) => e === type).length).toBeLessThanOrEqual(1);
  }
  for (const r of db.refunds) {
    const settled = db.events.filter((e) => e.startsWith(`refund.${r.id}.`));
    expect(settled).toEqual(r.status === 'pending' ? [] : [`refund.${r.id}.${r.status}`]);
  }
  run.lastStatus = db.status;
}

describe('one payment under random provider traffic and local actions', () => {
  it('moves money once, never regresses, and has one event per transition', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Provider>('wechatpay', 'alipay'),
        fc.integer({ min: 1, max: 50_000 }),
        fc.array(step, { minLength: 1, maxLength: 18 }),
        async (provider, amount, steps) => {
          const view = await createPayment({
            ctx: ctx(),
            input: {
              tenantId,
              mode: 'test',
              channel: provider === 'wechatpay' ? 'wechat.native' : 'alipay.qr',
              amount,
              currency: 'CNY',
              description: 'property',
              merchant_order_id: `prop-${randomUUID()}`,
            },
          });
          // The provider was unreachable: the payment awaits payment with an unknown provider outcome.
          expect(view.status).toBe('requires_payment');
          const payment = (await tdb.owner
            .selectFrom('payments')
            .selectAll()
            .where('id', '=', view.id)
            .executeTakeFirstOrThrow()) as PaymentRow;
          const run: Run = {
            provider,
            payment,
            tx: provider === 'wechatpay' ? `4200000${Date.now()}${amount}` : `2026${Date.now()}${amount}`,
            otherTx:
              provider === 'wechatpay' ? `4200009${Date.now()}${amount}` : `2027${Date.now()}${amount}`,
            refundRows: new Map(),
            sent: [],
            lastStatus: 'requires_payment',
          };
          let m: Model = {
            status: 'requires_payment',
            late: false,
            tx: null,
            refunded: 0n,
            refunds: [],
            events: [],
            outcomes: { applied: 0, duplicate: 0, rejected: 0 },
          };
          for (const [i, s] of steps.entries()) {
            m = await runStep(run, s, m);
            const db = await snapshot(run);
            expect(db, `after step ${i} ${JSON.stringify(s)}`).toEqual(expected(m));
            checkInvariants(run, db);
          }
        },
      ),
      { numRuns: NUM_RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  }, 120_000);
});
