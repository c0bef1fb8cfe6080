// notify-to-webhook: a payment notification in → the tenant's endpoint receives the signed
// webhook. Genuine signed provider notifications are POSTed to /notify at a steady 200 per
// second (open loop: the sender never waits for answers), each paying a distinct order;
// each applied payment appends payment.succeeded and queues its delivery in the same
// transaction; the webhook dispatcher (in its own process, as `paymux worker` runs it,
// woken by NOTIFY) signs and POSTs it to a tenant endpoint on loopback, which verifies the
// signature. Measured per payment: time from sending the notification to the endpoint
// receiving its verified webhook; and, as the in-run reference, time to the provider's
// acknowledgement (the ingest alone). See test/bench/README.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { newId } from '@paymux/core';
import { ownerKysely, withTenant } from '@paymux/db';
import { appendEvent, createWebhookEndpoint, OPERATOR } from '@paymux/operations';
import { connectSandboxDb } from '@paymux/sandbox';
import { sql } from 'kysely';
import type { BenchScenario } from '../run.ts';
import { startBenchDatabase } from '../support/database.ts';
import { percentile } from '../support/load.ts';
import { type Fixture, insertPayments, signAll } from '../support/pending-payments.ts';
import { type Sender, startSender } from '../support/sender.ts';
import { loadProviderMerchants } from '../support/signed-notifications.ts';
import { signUpBenchTenant, startBenchStack } from '../support/stack.ts';
import { startTenantEndpoint, type TenantEndpoint } from '../support/tenant-endpoint.ts';

const TARGET_P99_MS = 250;
const WORKER = fileURLToPath(new URL('../support/webhook-worker-process.ts', import.meta.url));

/** The dispatcher as `paymux worker`: its own process on the same database. */
async function startWorkerProcess(url: string, masterKey: Buffer): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      DATABASE_URL: url,
      PAYMUX_MASTER_KEY: masterKey.toString('base64'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`webhook worker exited (${code}) before it was ready`)));
  });
  return child;
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
}

interface Settings {
  readonly rate: number;
  readonly count: number;
  readonly warmup: number;
}

/**
 * The delivery path alone, as a diagnostic: payment.succeeded events appended at `rate`
 * (each in its own tenant transaction, as a transition appends it), no notification ingest.
 * Returns each event's object id and when its transaction started.
 */
async function appendAtRate(stack: Fixture['stack'], tenantId: string, count: number, rate: number) {
  const started: Array<{ id: string; at: number; error?: string }> = [];
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const record: { id: string; at: number; error?: string } = {
      id: newId('pay'),
      at: performance.timeOrigin + performance.now(),
    };
    started.push(record);
    inFlight.push(
      withTenant(stack.db, tenantId, (trx) =>
        appendEvent(trx, {
          tenantId,
          mode: 'test',
          type: 'payment.succeeded',
          objectId: record.id,
          data: { id: record.id, object: 'payment', amount: 100, currency: 'CNY', status: 'succeeded' },
        }),
      ).then(
        () => {},
        (error: unknown) => {
          record.error = String(error);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return started;
}

const sorted = (values: number[]) => Float64Array.from(values).sort();
const stats = (values: number[]) => {
  const s = sorted(values);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? (s[s.length - 1] as number) : 0,
  };
};

async function run(): Promise<void> {
  const s: Settings = {
    rate: envNumber('BENCH_RATE', 200),
    count: Math.round(envNumber('BENCH_COUNT', 3000)),
    // Five seconds at 200/s: with 200 (one second) the first seconds of the measured run
    // still ran colder code in four processes and queued (test/bench/README.md).
    warmup: Math.round(envNumber('BENCH_WARMUP', 1000)),
  };
  const loadBefore = loadavg()[0] ?? 0;
  const startedAt = new Date();
  const database = await startBenchDatabase();
  const sandboxDb = await connectSandboxDb(database.url);
  const stack = await startBenchStack(database.url);
  let endpoint: TenantEndpoint | undefined;
  let worker: ChildProcess | undefined;
  let sender: Sender | undefined;
  try {
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
    endpoint = await startTenantEndpoint();
    const created = await createWebhookEndpoint({
      ctx: { db: stack.db, vault: stack.vault, actor: OPERATOR, allowLoopback: true },
      input: {
        tenantId: tenant.tenantId,
        mode: 'test',
        url: endpoint.url,
        enabled_events: ['payment.succeeded'],
      },
    });
    await endpoint.setSecret(created.secret);
    worker = await startWorkerProcess(database.url, stack.masterKey);
    sender = await startSender();

    console.log(
      `${s.rate} notifications/s (open loop), ${s.count} measured (WeChat Pay / Alipay alternating, each a distinct paid ` +
        `order), warm-up ${s.warmup}; database: ${database.where}; node ${process.version}, ${availableParallelism()} CPU(s) ` +
        `(${cpus()[0]?.model.trim() ?? '?'}).`,
    );
    console.log(
      'Processes: API + sandbox in this one; the webhook dispatcher in its own, as `paymux worker`; the provider ' +
        'sending notifications in a third; the tenant endpoint (on loopback, verifying every signature) in a fourth.',
    );

    const warm = await insertPayments(f, s.warmup);
    await sender.openLoop(stack.origin, signAll(f, warm), s.rate);
    await endpoint.waitFor(
      warm.map((p) => p.id),
      30_000,
    );

    const payments = await insertPayments(f, s.count);
    const list = signAll(f, payments);
    const t0 = performance.now();
    const sent = await sender.openLoop(stack.origin, list, s.rate);
    const sendSeconds = (performance.now() - t0) / 1000;
    await endpoint.waitFor(
      payments.map((p) => p.id),
      60_000,
    );

    // Diagnostic: the delivery path alone at the same rate (events appended directly).
    const appended = await appendAtRate(stack, tenant.tenantId, s.count, s.rate);
    await endpoint.waitFor(
      appended.map((e) => e.id),
      60_000,
    );
    const received = await endpoint.snapshot();
    const deliveryOnly = stats(
      appended.flatMap((e) => {
        const at = received.arrivals.get(e.id)?.[0];
        return at === undefined ? [] : [at - e.at];
      }),
    );
    const appendErrors = appended.filter((e) => e.error !== undefined).length;

    const errors = sent.filter((r) => r.error !== undefined);
    const ack = stats(sent.filter((r) => r.ackMs !== undefined).map((r) => r.ackMs as number));
    const webhookMs: number[] = [];
    let missing = 0;
    let duplicates = 0;
    for (const r of sent) {
      const arrivals = received.arrivals.get(r.paymentId);
      if (!arrivals) {
        missing += 1;
        continue;
      }
      duplicates += arrivals.length - 1;
      webhookMs.push((arrivals[0] as number) - r.sentAt);
    }
    const webhook = stats(webhookMs);
    const owner = ownerKysely(database.url, 1);
    const failedDeliveries: { n: number } = await owner
      .selectFrom('webhook_deliveries')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('status', '<>', 'succeeded')
      .executeTakeFirstOrThrow();
    await owner.destroy();

    const p99Ok = webhook.p99 < TARGET_P99_MS;
    const completeOk = missing === 0 && errors.length === 0 && received.rejected === 0;
    const pass = p99Ok && completeOk;
    const row = (name: string, x: ReturnType<typeof stats>) =>
      `| ${name.padEnd(36)} | ${String(x.n).padStart(5)} | ${x.p50.toFixed(1).padStart(7)} | ${x.p90.toFixed(1).padStart(7)} | ${x.p99.toFixed(1).padStart(7)} | ${x.max.toFixed(1).padStart(7)} |`;
    console.log(
      `\n| ${'measured from sending the notification'.padEnd(36)} |     n |  p50 ms |  p90 ms |  p99 ms |  max ms |\n|${'-'.repeat(38)}|-------|---------|---------|---------|---------|`,
    );
    console.log(row('to the provider acknowledgement', ack));
    console.log(row('to the verified webhook at the tenant', webhook));
    console.log(
      `\nDiagnostic, not the target: the delivery path alone at ${s.rate}/s (events appended directly, no ` +
        `notification ingest), from the event's transaction start to the verified webhook: n ${deliveryOnly.n}/` +
        `${appended.length}, p50 ${deliveryOnly.p50.toFixed(1)} ms, p90 ${deliveryOnly.p90.toFixed(1)} ms, ` +
        `p99 ${deliveryOnly.p99.toFixed(1)} ms, max ${deliveryOnly.max.toFixed(1)} ms; append errors ${appendErrors}.`,
    );
    console.log(
      `\nsent ${sent.length} in ${sendSeconds.toFixed(1)} s (${(sent.length / sendSeconds).toFixed(1)}/s); ` +
        `webhooks received for ${webhook.n}, missing ${missing}, duplicates ${duplicates}, rejected signatures ` +
        `${received.rejected}, notify errors ${errors.length}, deliveries not succeeded ${failedDeliveries.n}.`,
    );
    console.log(
      `webhook p99: ${webhook.p99.toFixed(1)} ms (target < ${TARGET_P99_MS} ms) ${p99Ok ? 'PASS' : 'FAIL'}; ` +
        `complete (every payment's webhook arrived, verified, no errors): ${completeOk ? 'PASS' : 'FAIL'}`,
    );
    for (const e of errors.slice(0, 3)) console.log(`  notify error: ${e.error}`);
    console.log(`notify-to-webhook: ${pass ? 'PASS' : 'FAIL'}`);
    const loadAfter = loadavg()[0] ?? 0;
    console.log(`1-min load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`);

    const file = fileURLToPath(new URL('../results/notify-to-webhook.json', import.meta.url));
    await mkdir(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
    await writeFile(
      file,
      `${JSON.stringify(
        {
          scenario: 'notify-to-webhook',
          started_at: startedAt.toISOString(),
          settings: { ...s, database: database.where },
          machine: {
            node: process.version,
            cpus: availableParallelism(),
            model: cpus()[0]?.model.trim(),
            load_average_before: loadBefore,
            load_average_after: loadAfter,
          },
          achieved_rate: sent.length / sendSeconds,
          acknowledgement_ms: ack,
          webhook_ms: webhook,
          delivery_path_only_ms: deliveryOnly,
          missing,
          duplicates,
          rejected_signatures: received.rejected,
          notify_errors: errors.length,
          target_p99_ms: TARGET_P99_MS,
          pass: { p99: p99Ok, complete: completeOk, overall: pass },
        },
        null,
        2,
      )}\n`,
    );
    console.log(`Results written to ${file}`);
    if (!pass) process.exitCode = 1;
  } finally {
    await sender?.close();
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker?.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await endpoint?.close();
    await stack.close();
    await sandboxDb.destroy();
    await database.close();
  }
}

export const scenario: BenchScenario = {
  name: 'notify-to-webhook',
  description: 'payment notification in → signed webhook received by the tenant, latency at 200 events/s',
  run,
};
