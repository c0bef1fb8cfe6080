import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  FAST_SCHEDULE,
  type Harness,
  orderPath,
  startHarness,
  type TestTenant,
} from './support/harness.ts';
import { spawnWorkerProcess } from './support/worker-process.ts';

// These run the real `paymux worker` (default timings: 10 s heartbeat, 5 s supervision,
// retries after about 5 s) in child processes and kill or stop it mid-job.

let h: Harness;
let tenant: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  tenant = await h.signUp();
});
afterAll(() => h.close());

/** A paid WeChat payment whose notification is withheld, with one sync job due in 1 s whose query stalls. */
async function paidPaymentWithStalledQuery(latencyMs: number) {
  const payment = await h.createPayment(
    tenant,
    { amount: 800, channel: 'wechat.native', merchant_order_id: `proc-${Date.now()}`, expires_in: 3600 },
    { schedule: { ...FAST_SCHEDULE, paymentSyncDelaysS: [1], lateCheckDelayS: 3600 } },
  );
  const order = orderPath(tenant, 'wechatpay', payment.id);
  await h.admin(`${order}/withhold_notifications`, { withhold: true });
  await h.admin(`${order}/pay`);
  await h.admin('/faults', {
    provider: 'wechatpay',
    endpoint: 'transactions.query',
    merchant: tenant.wechat.mchid,
    latency_ms: latencyMs,
    count: 1,
  });
  return payment;
}

/** The payment's first sync job (the other one is its late check, an hour after expiry). */
const syncJob = (paymentId: string) =>
  h.server.tdb.owner
    .selectFrom('pgboss.job')
    .select(['state', 'retry_count', 'started_on', 'completed_on'])
    .where('name', '=', 'payment.sync')
    .where(sql`data->>'payment_id'`, '=', paymentId)
    .orderBy('start_after')
    .limit(1)
    .executeTakeFirstOrThrow();

/**
 * The job once pg-boss has recorded how it ended: the handler's transaction (the payment's
 * new state) commits first, and pg-boss marks the job completed just after, so a test that
 * saw the payment settle polls for the job's state rather than racing that second write.
 */
const settledJob = async (paymentId: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await syncJob(paymentId);
    if (job.state !== 'active' || Date.now() > deadline) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const activeJob = async (paymentId: string, worker: { output(): string }) => {
  try {
    await eventually(
      async () => ((await syncJob(paymentId)).state === 'active' ? true : undefined),
      20_000,
      'the sync job to be claimed',
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; worker output:\n${worker.output()}`);
  }
};

const succeeded = (paymentId: string, timeoutMs: number) =>
  eventually(
    async () =>
      (await h.paymentState(tenant.tenantId, paymentId)).status === 'succeeded' ? true : undefined,
    timeoutMs,
    'the payment to succeed',
  );

describe('paymux worker (child process)', () => {
  it('a worker killed mid-job (kill -9): another worker completes the job within seconds', async () => {
    const payment = await paidPaymentWithStalledQuery(5_000);
    const first = await spawnWorkerProcess(h);
    await activeJob(payment.id, first);
    // The handler is now waiting on the stalled provider query.
    await new Promise((resolve) => setTimeout(resolve, 500));
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toBe('SIGKILL');
    expect((await h.paymentState(tenant.tenantId, payment.id)).status).toBe('requires_payment');

    const second = await spawnWorkerProcess(h);
    try {
      await succeeded(payment.id, 60_000);
      const recoveryS = (Date.now() - killedAt) / 1000;
      console.log(`kill -9 → job completed by another worker in ${recoveryS.toFixed(1)} s`);
      // Within the job's 60 s expiry (the heartbeat brings it back sooner), never hours.
      expect(recoveryS).toBeLessThan(60);
      const job = await settledJob(payment.id);
      expect(job.state).toBe('completed');
      expect(job.retry_count).toBe(1);
      const state = await h.paymentState(tenant.tenantId, payment.id);
      expect(state.events.map((e) => e.type)).toEqual(['payment.succeeded']);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);

  it('SIGTERM lets an in-flight job finish within the bound before exiting', async () => {
    const payment = await paidPaymentWithStalledQuery(1_500);
    const worker = await spawnWorkerProcess(h);
    await activeJob(payment.id, worker);
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const stopS = (Date.now() - signalledAt) / 1000;
    expect(stopS).toBeLessThan(10);
    expect((await syncJob(payment.id)).state).toBe('completed');
    // Done by this process, during its graceful stop.
    expect(worker.output()).toContain('"outcome":"applied"');
    expect((await h.paymentState(tenant.tenantId, payment.id)).status).toBe('succeeded');
  }, 60_000);
  it('SIGTERM stops within the bound; the unfinished job goes back to the queue and is done later', async () => {
    const payment = await paidPaymentWithStalledQuery(8_000);
    const worker = await spawnWorkerProcess(h, ['--stop-timeout', '2']);
    await activeJob(payment.id, worker);
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const stopS = (Date.now() - signalledAt) / 1000;
    console.log(`SIGTERM with a stalled job and --stop-timeout 2 → exited in ${stopS.toFixed(1)} s`);
    expect(stopS).toBeLessThan(4.5);
    expect(worker.output()).toContain('Stopped.');
    // Handed back for a retry, not lost and not left active until its heartbeat lapses.
    const job = await syncJob(payment.id);
    expect(job.state).toBe('retry');
    expect((await h.paymentState(tenant.tenantId, payment.id)).status).toBe('requires_payment');

    await h.startWorker();
    await succeeded(payment.id, 30_000);
  }, 60_000);
});
