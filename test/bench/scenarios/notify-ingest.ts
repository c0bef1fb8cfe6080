// notify-ingest: genuine signed provider notifications POSTed to /notify/{provider}/{account}
// by 50 concurrent clients over HTTP (from a sender process): how many per second Paymux
// verifies, applies (one transaction: payment, event, raw notification) and acknowledges;
// then, sent open loop at the target rate, the p99 time to the acknowledgement. Baseline in the same run: a receiver that only verifies and parses the
// same notifications with the same provider adapters (a cached client per account) and
// answers, with no database. See test/bench/README.md.
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { ownerKysely, withTenant } from '@paymux/db';
import { providerForAccount } from '@paymux/operations';
import { acknowledgementFor, type PaymentProvider, sandboxEndpoints } from '@paymux/providers';
import { connectSandboxDb } from '@paymux/sandbox';
import { sql } from 'kysely';
import type { BenchScenario } from '../run.ts';
import { type BenchDatabase, startBenchDatabase } from '../support/database.ts';
import { type LoadResult, percentile, type Summary, summarize } from '../support/load.ts';
import type { Sent } from '../support/open-loop.ts';
import { type Fixture, insertPayments, signAll as sign } from '../support/pending-payments.ts';
import { installQueryCounter, queryCounts } from '../support/query-counter.ts';
import { startSender } from '../support/sender.ts';
import { loadProviderMerchants } from '../support/signed-notifications.ts';
import { type BenchStack, signUpBenchTenant, startBenchStack } from '../support/stack.ts';

const TARGET_THROUGHPUT = 500;
const TARGET_P99_MS = 100;

type Side = 'baseline' | 'api_first' | 'api_redelivery';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return Math.round(n);
}

interface Settings {
  /** Notifications per measured run (each a distinct paid order; WeChat ones are signed just before). */
  readonly count: number;
  readonly concurrency: number;
  readonly warmup: number;
  readonly rounds: number;
  /** Open-loop phase: notifications per second sent on schedule, and for how long. */
  readonly rate: number;
  readonly openSeconds: number;
}

function settings(): Settings {
  return {
    count: envInt('BENCH_COUNT', 4000),
    concurrency: envInt('BENCH_CONCURRENCY', 50),
    warmup: envInt('BENCH_WARMUP', 200),
    rounds: envInt('BENCH_ROUNDS', 1),
    rate: envInt('BENCH_RATE', TARGET_THROUGHPUT),
    openSeconds: envInt('BENCH_OPEN_SECONDS', 8),
  };
}

/**
 * The baseline: what any receiver of these notifications must do at least, i.e. verify
 * and parse them with the provider adapters (one cached client per account: RSA-SHA256
 * verify, WeChat's timestamp window and AES-256-GCM decrypt, Alipay's RSA2 check), and
 * answer, over the same kind of HTTP server. No routing lookup, no database, no record.
 */
async function startBaseline(f: Fixture): Promise<{ origin: string; close(): Promise<void> }> {
  const rows = await withTenant(f.stack.db, f.tenant.tenantId, (trx) =>
    trx.selectFrom('merchant_accounts').selectAll().where('tenant_id', '=', f.tenant.tenantId).execute(),
  );
  const ctx = {
    vault: f.stack.vault,
    endpoints: {
      live: sandboxEndpoints('http://127.0.0.1:9/sandbox'),
      test: sandboxEndpoints(f.stack.sandboxUrl),
    },
  };
  const clients = new Map<string, PaymentProvider>();
  for (const row of rows)
    clients.set(`/notify/${row.provider}/${row.id}`, await providerForAccount(ctx, row));
  const server = serve({
    fetch: async (request) => {
      const path = new URL(request.url).pathname;
      const provider = path.startsWith('/notify/wechatpay/') ? 'wechatpay' : 'alipay';
      const client = clients.get(path);
      const headers: Record<string, string> = {};
      request.headers.forEach((v, k) => {
        headers[k.toLowerCase()] = v;
      });
      const rawBody = await request.text();
      let ok = false;
      try {
        ok =
          client !== undefined && (await client.parseNotification({ headers, rawBody })).kind === 'payment';
      } catch {
        ok = false;
      }
      const ack = acknowledgementFor(provider, ok ? 'accepted' : 'rejected');
      return new Response(ack.body === '' ? null : ack.body, {
        status: ack.status,
        headers: ack.contentType ? { 'content-type': ack.contentType } : {},
      });
    },
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

interface Measured {
  readonly result: LoadResult;
  readonly cpuMs: number;
  readonly pgCpuMs: number | undefined;
  readonly elu: number;
  readonly queries: { app: number; other: number };
  readonly window: readonly [number, number];
}

async function measure(database: BenchDatabase, load: () => Promise<LoadResult>): Promise<Measured> {
  const t0 = Number(process.hrtime.bigint() / 1000n);
  const q0 = queryCounts();
  const pg0 = await database.cpuMs();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const result = await load();
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const cpu = process.cpuUsage(cpu0);
  const q1 = queryCounts();
  const pg1 = await database.cpuMs();
  return {
    result,
    cpuMs: (cpu.user + cpu.system) / 1000,
    pgCpuMs: pg0 === undefined || pg1 === undefined ? undefined : pg1 - pg0,
    elu,
    queries: { app: q1.app - q0.app, other: q1.other - q0.other },
    window: [t0, Number(process.hrtime.bigint() / 1000n)],
  };
}

interface SideReport extends Summary {
  readonly cpu_ms_per_notification: number;
  readonly postgres_cpu_ms_per_notification: number | null;
  readonly event_loop_utilisation: number;
  readonly api_db_round_trips_per_notification: number;
  readonly error_samples: string[];
  readonly monotonic_windows_us: ReadonlyArray<readonly [number, number]>;
}

function report(runs: readonly Measured[]): SideReport {
  const summary = summarize(runs.map((r) => r.result));
  const n = summary.requests || 1;
  const elapsed = runs.reduce((x, r) => x + r.result.elapsedMs, 0);
  return {
    ...summary,
    cpu_ms_per_notification: Number((runs.reduce((x, r) => x + r.cpuMs, 0) / n).toFixed(3)),
    postgres_cpu_ms_per_notification: runs.every((r) => r.pgCpuMs !== undefined)
      ? Number((runs.reduce((x, r) => x + (r.pgCpuMs ?? 0), 0) / n).toFixed(3))
      : null,
    event_loop_utilisation: Number(
      (runs.reduce((x, r) => x + r.elu * r.result.elapsedMs, 0) / elapsed).toFixed(2),
    ),
    api_db_round_trips_per_notification: Number((runs.reduce((x, r) => x + r.queries.app, 0) / n).toFixed(1)),
    error_samples: [...new Set(runs.flatMap((r) => r.result.errorSamples))].slice(0, 5),
    monotonic_windows_us: runs.map((r) => r.window),
  };
}

function table(rows: Array<[string, SideReport]>): string {
  const head = [
    'side',
    'notifications',
    'errors',
    'per s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    'CPU ms/n',
    'PG CPU ms/n',
    'ELU',
    'DB rt/n',
  ];
  const body = rows.map(([name, r]) => [
    name,
    String(r.requests),
    String(r.errors),
    r.throughput.toFixed(1),
    r.p50.toFixed(1),
    r.p90.toFixed(1),
    r.p99.toFixed(1),
    r.max.toFixed(1),
    r.cpu_ms_per_notification.toFixed(2),
    r.postgres_cpu_ms_per_notification === null ? 'n/a' : r.postgres_cpu_ms_per_notification.toFixed(2),
    r.event_loop_utilisation.toFixed(2),
    r.api_db_round_trips_per_notification.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Each payment applied exactly once: one payment.succeeded, one applied record, the rest duplicates. */
async function verifyOnce(
  database: BenchDatabase,
  tenantId: string,
  ids: readonly string[],
  duplicatesEach: number,
): Promise<string | undefined> {
  const owner = ownerKysely(database.url, 1);
  try {
    const succeeded = await owner
      .selectFrom('payments')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', ids)
      .where('status', '=', 'succeeded')
      .executeTakeFirstOrThrow();
    const events = await owner
      .selectFrom('events')
      .select(['object_id', sql<number>`count(*)::int`.as('n')])
      .where('tenant_id', '=', tenantId)
      .where('object_id', 'in', ids)
      .where('type', '=', 'payment.succeeded')
      .groupBy('object_id')
      .execute();
    const records = await owner
      .selectFrom('provider_notifications')
      .select(['outcome', sql<number>`count(*)::int`.as('n')])
      .where('tenant_id', '=', tenantId)
      .where('payment_id', 'in', ids)
      .groupBy('outcome')
      .execute();
    const by = Object.fromEntries(records.map((r: { outcome: string; n: number }) => [r.outcome, r.n]));
    const problems: string[] = [];
    if (succeeded.n !== ids.length) problems.push(`${succeeded.n}/${ids.length} payments succeeded`);
    if (events.length !== ids.length || events.some((e: { n: number }) => e.n !== 1))
      problems.push(
        `payment.succeeded events: ${events.length} payments, max ${Math.max(0, ...events.map((e: { n: number }) => e.n))} each`,
      );
    if ((by.applied ?? 0) !== ids.length) problems.push(`applied records ${by.applied ?? 0} ≠ ${ids.length}`);
    if ((by.duplicate ?? 0) !== ids.length * duplicatesEach)
      problems.push(`duplicate records ${by.duplicate ?? 0} ≠ ${ids.length * duplicatesEach}`);
    if (by.rejected) problems.push(`${by.rejected} rejected records`);
    return problems.length ? problems.join('; ') : undefined;
  } finally {
    await owner.destroy();
  }
}

interface OpenLoopReport {
  readonly n: number;
  readonly errors: number;
  readonly sent_per_s: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly error_samples: string[];
}

function openLoopReport(sent: readonly Sent[]): OpenLoopReport {
  const acks = Float64Array.from(sent.filter((x) => x.error === undefined).map((x) => x.ackMs ?? 0)).sort();
  const errors = sent.filter((x) => x.error !== undefined);
  const first = sent[0]?.sentAt ?? 0;
  const last = sent.at(-1)?.sentAt ?? first;
  const round = (v: number) => Number(v.toFixed(1));
  return {
    n: sent.length,
    errors: errors.length,
    // The rate the schedule was kept at (first to last send), not the completion rate.
    sent_per_s: sent.length > 1 ? round(((sent.length - 1) * 1000) / (last - first)) : 0,
    p50: round(percentile(acks, 50)),
    p90: round(percentile(acks, 90)),
    p99: round(percentile(acks, 99)),
    max: round(acks.at(-1) ?? Number.NaN),
    error_samples: [...new Set(errors.map((x) => x.error ?? ''))].slice(0, 5),
  };
}

async function run(): Promise<void> {
  const s = settings();
  installQueryCounter();
  const loadBefore = loadavg()[0] ?? 0;
  const startedAt = new Date();
  const database = await startBenchDatabase();
  let stack: BenchStack | undefined;
  let baseline: Awaited<ReturnType<typeof startBaseline>> | undefined;
  const sandboxDb = await connectSandboxDb(database.url);
  const sender = await startSender();
  try {
    stack = await startBenchStack(database.url);
    const tenant = await signUpBenchTenant(stack);
    const identifiers = await withTenant(stack.db, tenant.tenantId, (trx) =>
      trx.selectFrom('merchant_accounts').select(['provider', 'identifiers']).execute(),
    );
    const idOf = (p: string, key: string) =>
      String(
        ((identifiers.find((r) => r.provider === p)?.identifiers ?? {}) as Record<string, unknown>)[key],
      );
    const f: Fixture = {
      stack,
      tenant,
      merchants: await loadProviderMerchants(sandboxDb, {
        mchid: idOf('wechatpay', 'mchid'),
        appId: idOf('alipay', 'app_id'),
      }),
    };
    baseline = await startBaseline(f);

    console.log(
      `${s.concurrency} clients, ${s.count} notifications per measured run (WeChat Pay / Alipay alternating, each a distinct ` +
        `paid order), ${s.rounds} round(s), warm-up ${s.warmup}; database: ${database.where}; node ${process.version}, ` +
        `${availableParallelism()} CPU(s) (${cpus()[0]?.model.trim() ?? '?'}).`,
    );
    console.log(
      'Notifications: genuine, built and signed in process by the sandbox (the provider) just before each run; ' +
        'POSTed over HTTP keep-alive by a sender process (the provider) to the all-in-one server (API + sandbox, ' +
        'this process, as `paymux start`); the same sender drives the baseline.',
    );
    console.log(
      'api_first: first deliveries (verify, route, lock, compare-and-set, event, raw record, commit, acknowledge); ' +
        'api_redelivery: the same bytes again (the provider retrying): verified, recorded as duplicates, acknowledged; ' +
        'baseline: the same notifications verified and parsed by the provider adapters (cached client per account), no database.',
    );

    // Warm-up: every side once, on its own payments.
    {
      const warm = await insertPayments(f, s.warmup);
      const list = sign(f, warm);
      for (const [name, origin] of [
        ['baseline', baseline.origin],
        ['api', stack.origin],
      ] as const) {
        const m = await measure(database, () => sender.closedLoop(origin, list, s.concurrency));
        if (m.result.errors > 0) throw new Error(`${name} warm-up failed: ${m.result.errorSamples[0]}`);
      }
    }

    const runs: Record<Side, Measured[]> = { baseline: [], api_first: [], api_redelivery: [] };
    const allIds: string[] = [];
    for (let round = 0; round < s.rounds; round += 1) {
      const payments = await insertPayments(f, s.count);
      allIds.push(...payments.map((p) => p.id));
      const list = sign(f, payments);
      const closed = (origin: string) => () => sender.closedLoop(origin, list, s.concurrency);
      runs.baseline.push(await measure(database, closed(baseline.origin)));
      runs.api_first.push(await measure(database, closed(stack.origin)));
      runs.api_redelivery.push(await measure(database, closed(stack.origin)));
    }
    // Open loop at the target rate: notifications sent on schedule (as a provider sends them),
    // first deliveries, timed to the acknowledgement. Fresh orders, signed just before.
    const openPayments = await insertPayments(f, s.rate * s.openSeconds);
    const openStart = performance.now();
    const openSent = await sender.openLoop(stack.origin, sign(f, openPayments), s.rate);
    const openElapsedS = (performance.now() - openStart) / 1000;
    const open = openLoopReport(openSent);
    const problem =
      (await verifyOnce(database, tenant.tenantId, allIds, 1)) ??
      (await verifyOnce(
        database,
        tenant.tenantId,
        openPayments.map((p) => p.id),
        0,
      ));

    const reports = {
      baseline: report(runs.baseline),
      api_first: report(runs.api_first),
      api_redelivery: report(runs.api_redelivery),
    };
    const first = reports.api_first;
    const throughputOk = first.throughput >= TARGET_THROUGHPUT;
    const p99Ok = open.p99 < TARGET_P99_MS && open.sent_per_s >= s.rate * 0.98;
    const errorsOk = Object.values(reports).every((r) => r.errors === 0) && open.errors === 0;
    const onceOk = problem === undefined;
    const pass = throughputOk && p99Ok && errorsOk && onceOk;

    console.log(
      `\n${table([
        ['baseline (verify + parse only)', reports.baseline],
        ['api first delivery (applied)', reports.api_first],
        ['api redelivery (duplicate)', reports.api_redelivery],
      ])}`,
    );
    console.log(
      `\napi first delivery: ${first.throughput.toFixed(1)} notifications/s (target ≥ ${TARGET_THROUGHPUT}) ${throughputOk ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `\nopen loop, first deliveries sent at ${s.rate}/s for ${s.openSeconds} s: ${open.n} sent in ` +
        `${openElapsedS.toFixed(1)} s (${open.sent_per_s.toFixed(1)}/s), errors ${open.errors}; time to the acknowledgement ` +
        `p50 ${open.p50.toFixed(1)} ms, p90 ${open.p90.toFixed(1)} ms, p99 ${open.p99.toFixed(1)} ms, max ${open.max.toFixed(1)} ms`,
    );
    console.log(
      `api p99 at ${s.rate}/s (open loop): ${open.p99.toFixed(1)} ms (target < ${TARGET_P99_MS} ms) ${p99Ok ? 'PASS' : 'FAIL'}` +
        ` (closed loop, ${s.concurrency} clients: p99 ${first.p99.toFixed(1)} ms, where queueing sets the mean at ` +
        `${s.concurrency} ÷ throughput = ${(1000 * (s.concurrency / first.throughput)).toFixed(0)} ms)`,
    );
    console.log(`errors (any side): ${errorsOk ? 0 : 'some'} ${errorsOk ? 'PASS' : 'FAIL'}`);
    console.log(
      `applied exactly once (${allIds.length} payments: 1 payment.succeeded, 1 applied + 1 duplicate record each): ` +
        `${onceOk ? 'PASS' : `FAIL (${problem})`}`,
    );
    console.log(
      `CPU ms per notification: baseline ${reports.baseline.cpu_ms_per_notification}, api first ${first.cpu_ms_per_notification}, ` +
        `redelivery ${reports.api_redelivery.cpu_ms_per_notification} (this process: API + idle sandbox, or the baseline receiver; the sender runs in its own); ` +
        `PostgreSQL round trips per notification (API pool, BEGIN/COMMIT included): first ${first.api_db_round_trips_per_notification}, ` +
        `redelivery ${reports.api_redelivery.api_db_round_trips_per_notification}.`,
    );
    for (const [name, r] of Object.entries(reports))
      for (const e of r.error_samples) console.log(`  ${name} error: ${e}`);
    for (const e of open.error_samples) console.log(`  open loop error: ${e}`);
    console.log(`notify-ingest: ${pass ? 'PASS' : 'FAIL'}`);
    const loadAfter = loadavg()[0] ?? 0;
    console.log(`1-min load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`);

    const file = fileURLToPath(new URL('../results/notify-ingest.json', import.meta.url));
    await mkdir(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
    await writeFile(
      file,
      `${JSON.stringify(
        {
          scenario: 'notify-ingest',
          started_at: startedAt.toISOString(),
          settings: { ...s, database: database.where },
          machine: {
            node: process.version,
            cpus: availableParallelism(),
            model: cpus()[0]?.model.trim(),
            load_average_before: loadBefore,
            load_average_after: loadAfter,
          },
          baseline: {
            description: 'provider adapters verify + parse, cached client per account, no database',
            ...reports.baseline,
          },
          api_first: {
            description: 'POST /notify first deliveries: applied once, acknowledged after commit',
            ...reports.api_first,
          },
          api_redelivery: {
            description: 'the same notifications again: duplicates, acknowledged',
            ...reports.api_redelivery,
          },
          api_open_loop: {
            description: `first deliveries sent on schedule at ${s.rate}/s for ${s.openSeconds} s`,
            ...open,
          },
          applied_once: onceOk ? true : problem,
          targets: { notifications_per_s: TARGET_THROUGHPUT, p99_ms_at_target_rate: TARGET_P99_MS },
          pass: { throughput: throughputOk, p99: p99Ok, errors: errorsOk, once: onceOk, overall: pass },
        },
        null,
        2,
      )}\n`,
    );
    console.log(`Results written to ${file}`);
    if (!pass) process.exitCode = 1;
  } finally {
    await sender.close();
    await baseline?.close();
    await stack?.close();
    await sandboxDb.destroy();
    await database.close();
  }
}

export const scenario: BenchScenario = {
  name: 'notify-ingest',
  description:
    'genuine signed provider notifications POSTed to /notify (verify, apply once, acknowledge after commit)',
  run,
};
