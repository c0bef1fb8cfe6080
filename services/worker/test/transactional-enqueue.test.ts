import { randomUUID } from 'node:crypto';
import { newId } from '@paymux/core';
import { type PaymentRow, withTenant } from '@paymux/db';
import { enqueueJobs, LIFECYCLE_QUEUES, schedulePaymentJobs } from '@paymux/operations';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_SCHEDULE, type Harness, startHarness, type TestTenant } from './support/harness.ts';

let h: Harness;
let tenant: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  tenant = await h.signUp();
});
afterAll(() => h.close());

const jobsFor = (paymentId: string) =>
  h.server.tdb.owner
    .selectFrom('pgboss.job')
    .select(['name', 'data', 'start_after', 'policy', 'retry_limit', 'expire_seconds', 'heartbeat_seconds'])
    .where(sql`data->>'payment_id'`, '=', paymentId)
    .orderBy('start_after')
    .execute();

const paymentExists = async (id: string) =>
  (await h.server.tdb.owner.selectFrom('payments').select('id').where('id', '=', id).executeTakeFirst()) !==
  undefined;

/** What createPayment does in its transaction: insert the payment, schedule its jobs. */
async function insertPaymentWithJobs(trx: Parameters<Parameters<typeof withTenant>[2]>[0], id: string) {
  const payment = (await trx
    .insertInto('payments')
    .values({
      tenant_id: tenant.tenantId,
      id,
      mode: 'test',
      merchant_account_id: tenant.alipay.accountId,
      provider: 'alipay',
      channel: 'alipay.qr',
      amount: 100n,
      currency: 'CNY',
      description: 'Tea',
      merchant_order_id: id,
      status: 'requires_payment',
      next_action: null,
      provider_reference: JSON.stringify({}),
      metadata: JSON.stringify({}),
      expires_at: new Date(Date.now() + 900_000),
    })
    .returningAll()
    .executeTakeFirstOrThrow()) as PaymentRow;
  await schedulePaymentJobs(trx, payment, FAST_SCHEDULE);
  return payment;
}

describe('enqueueing in the state change’s transaction', () => {
  it('createPayment writes its jobs, as the app role, with ids only and the queue’s settings', async () => {
    const payment = await h.createPayment(tenant, {
      amount: 100,
      channel: 'alipay.qr',
      merchant_order_id: `jobs-${Date.now()}`,
    });
    const jobs = await jobsFor(payment.id);
    // The first sync and the expiry; the later syncs and the late check are chained from them.
    expect(jobs.map((j) => j.name)).toEqual(['payment.sync', 'payment.expire']);
    const ids = { tenant_id: tenant.tenantId, mode: 'test', payment_id: payment.id };
    expect(jobs[0]?.data).toEqual({ ...ids, later_syncs_s: '2,4' });
    expect(jobs[1]?.data).toEqual({ ...ids, late_check_s: String(FAST_SCHEDULE.lateCheckDelayS) });
    for (const job of jobs) {
      expect(job).toMatchObject({ policy: 'standard', expire_seconds: 60, heartbeat_seconds: 10 });
    }
    const expiresAt = new Date(payment.expires_at as string).getTime();
    expect(jobs[1]?.start_after.getTime()).toBe(expiresAt);
  });

  it('enqueues a job with a given id once, however often it is enqueued', async () => {
    const id = newId('pay');
    await withTenant(h.server.tdb.db, tenant.tenantId, (trx) => insertPaymentWithJobs(trx, id));
    const job = {
      queue: LIFECYCLE_QUEUES.paymentSync,
      id: randomUUID(),
      data: { tenant_id: tenant.tenantId, mode: 'test', payment_id: id },
      startAfter: new Date(Date.now() + 60_000),
    };
    for (let i = 0; i < 3; i += 1) {
      await withTenant(h.server.tdb.db, tenant.tenantId, (trx) =>
        enqueueJobs(trx, [job], { skipExisting: true }),
      );
    }
    expect(
      (await jobsFor(id)).filter((j) => j.start_after.getTime() === job.startAfter.getTime()),
    ).toHaveLength(1);
    // Without skipExisting the second copy is an error, and its transaction rolls back.
    await expect(
      withTenant(h.server.tdb.db, tenant.tenantId, (trx) => enqueueJobs(trx, [job])),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('a rolled-back transaction leaves neither the payment nor its jobs; a committed one both', async () => {
    const rolledBack = newId('pay');
    await expect(
      withTenant(h.server.tdb.db, tenant.tenantId, async (trx) => {
        await insertPaymentWithJobs(trx, rolledBack);
        expect(
          await trx.selectFrom('payments').select('id').where('id', '=', rolledBack).execute(),
        ).toHaveLength(1);
        throw new Error('the provider step failed');
      }),
    ).rejects.toThrow('the provider step failed');
    expect(await paymentExists(rolledBack)).toBe(false);
    expect(await jobsFor(rolledBack)).toEqual([]);

    const committed = newId('pay');
    await withTenant(h.server.tdb.db, tenant.tenantId, (trx) => insertPaymentWithJobs(trx, committed));
    expect(await paymentExists(committed)).toBe(true);
    expect(await jobsFor(committed)).toHaveLength(2);
  });

  it('a job that cannot be written fails the state change with it', async () => {
    const id = newId('pay');
    await expect(
      withTenant(h.server.tdb.db, tenant.tenantId, async (trx) => {
        await insertPaymentWithJobs(trx, id);
        await enqueueJobs(trx, [
          { queue: 'no.such.queue', data: { payment_id: id }, startAfter: { delayS: 1 } },
        ]);
      }),
    ).rejects.toThrow(/null value in column "name"/);
    expect(await paymentExists(id)).toBe(false);
    expect(await jobsFor(id)).toEqual([]);
  });

  it('the app role may enqueue but not read, change or delete jobs', async () => {
    for (const statement of [
      sql`select id from pgboss.job limit 1`,
      sql`update pgboss.job set state = 'completed'`,
      sql`delete from pgboss.job`,
      sql`update pgboss.queue set retry_limit = 0`,
    ]) {
      await expect(
        withTenant(h.server.tdb.db, tenant.tenantId, (trx) => statement.execute(trx)),
      ).rejects.toThrow(/permission denied/);
    }
    expect(Object.values(LIFECYCLE_QUEUES)).toEqual([
      'payment.sync',
      'payment.expire',
      'refund.sync',
      'payment.auto_refund',
    ]);
  });
});
