import { type Kysely, sql } from 'kysely';
import { getConstructionPlans } from 'pg-boss';

// Frozen in time. The job queue (docs/adr/0009-worker-jobs.md): pg-boss's own schema
// `pgboss`, installed here rather than at the worker's first start, because the API
// enqueues jobs in its own transactions (transactional outbox) and must be able to from
// the first payment on, with or without a worker running. pg-boss versions its schema
// itself: this installs the version of the pinned pg-boss, and a later pg-boss migrates
// it forward when the worker starts. Then the lifecycle queues, through pg-boss's SQL
// function, and the app role's grants to enqueue.

const SCHEMA = 'pgboss';

// Seconds. The worker re-applies its own retry and expiry settings at start-up.
const QUEUE_OPTIONS = {
  policy: 'standard',
  retryLimit: 8,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 600,
  // A handler makes one or two provider calls (10 s timeout each): 60 s is ample, and a
  // killed worker's job comes back after its heartbeat lapses (10 s), not after this.
  expireInSeconds: 60,
  heartbeatSeconds: 10,
};

const QUEUES = ['payment.sync', 'payment.expire', 'refund.sync'];

export async function up(db: Kysely<any>): Promise<void> {
  const installed = await sql<{
    ok: boolean;
  }>`select to_regclass('pgboss.version') is not null as ok`.execute(db);
  if (!installed.rows[0]?.ok) {
    // pg-boss's installation script wraps itself in BEGIN/COMMIT; the migrator already runs
    // this migration in a transaction (with its lock), so run the statements inside it.
    const plan = getConstructionPlans(SCHEMA).trim();
    if (!plan.startsWith('BEGIN;') || !plan.endsWith('COMMIT;')) {
      throw new Error('unexpected pg-boss construction plan: expected BEGIN; … COMMIT;');
    }
    await sql.raw(plan.slice('BEGIN;'.length, -'COMMIT;'.length)).execute(db);
  }
  for (const queue of QUEUES) {
    await sql`select pgboss.create_queue(${queue}, ${JSON.stringify(QUEUE_OPTIONS)}::jsonb)`.execute(db);
  }
  // Enqueueing (INSERT into pgboss.job, copying the queue's settings) is all the app role
  // does: it cannot read, claim or change jobs. The worker connects as the owner.
  await sql`grant usage on schema pgboss to paymux_app`.execute(db);
  await sql`grant select on pgboss.queue to paymux_app`.execute(db);
  await sql`grant insert on pgboss.job to paymux_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop schema if exists pgboss cascade`.execute(db);
}
