import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '@paymux/api';
import { withTenant } from '@paymux/db';
import {
  type CreatePaymentInput,
  createPayment,
  createTenant,
  httpSandboxProvisioner,
  type LifecycleSchedule,
  OPERATOR,
  type PaymentView,
  type ProviderContext,
} from '@paymux/operations';
import { sandboxEndpoints } from '@paymux/providers';
import { LocalKeyProvider } from '@paymux/vault';
import { pino } from 'pino';
import { type SandboxServer, startSandboxServer } from '../../../sandbox/test/support/sandbox-server.ts';
import { startWorker, type Worker, type WorkerOptions } from '../../src/index.ts';

/** Seconds, not minutes: the lifecycle jobs of these tests run almost at once. */
export const FAST_SCHEDULE: LifecycleSchedule = {
  paymentSyncDelaysS: [1, 2, 4],
  lateCheckDelayS: 2,
  refundSyncDelaysS: [1, 2, 4],
};

/** Supervision every second, retries after about a second. */
export const FAST_WORKER: Pick<WorkerOptions, 'timings' | 'queueSettings'> = {
  timings: {
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    pollingIntervalSeconds: 0.5,
    stopTimeoutMs: 3000,
  },
  queueSettings: { retryDelay: 1 },
};

/** Port 9 (discard) on loopback: a provider or callback address that refuses at once. */
export const UNREACHABLE = 'http://127.0.0.1:9';

export interface TestTenant {
  readonly tenantId: string;
  readonly wechat: { accountId: string; mchid: string };
  readonly alipay: { accountId: string; appId: string };
}

/**
 * A real sandbox over HTTP (its own test database, time factor 1000), the API served
 * over HTTP as PUBLIC_URL (so sandbox notifications reach /notify), a master key the
 * tests can hand to a child process, and helpers to drive the sandbox's admin API.
 */
export interface Harness {
  readonly server: SandboxServer;
  readonly apiOrigin: string;
  readonly masterKey: Buffer;
  readonly providerCtx: ProviderContext;
  signUp(): Promise<TestTenant>;
  createPayment(
    tenant: TestTenant,
    input: Omit<CreatePaymentInput, 'tenantId' | 'mode' | 'currency' | 'description'>,
    options?: { now?: () => Date; publicUrl?: string; schedule?: LifecycleSchedule },
  ): Promise<PaymentView>;
  /** POST to the sandbox admin API; throws on a non-2xx answer. */
  admin(path: string, body?: unknown): Promise<unknown>;
  /** GET from the sandbox admin API. */
  adminGet(path: string): Promise<Record<string, unknown>>;
  startWorker(overrides?: Partial<WorkerOptions>): Promise<Worker>;
  /** Owner view (past row-level security) of one payment, its events and notifications. */
  paymentState(tenantId: string, paymentId: string): Promise<PaymentState>;
  close(): Promise<void>;
}

export interface PaymentState {
  readonly status: string;
  readonly late: boolean;
  readonly events: Array<{ type: string; data: Record<string, unknown> }>;
  readonly notifications: number;
}

let n = 0;

export async function startHarness(): Promise<Harness> {
  const server = await startSandboxServer();
  const masterKey = randomBytes(32);
  const vault = new LocalKeyProvider([masterKey]);
  const endpoints = { live: sandboxEndpoints(UNREACHABLE), test: sandboxEndpoints(server.sandboxUrl) };
  const providerCtx: ProviderContext = { vault, endpoints, providerTimeoutMs: 10_000 };
  const workers: Worker[] = [];

  let fetchApp: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const http = serve({ fetch: (request) => fetchApp(request), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  const apiOrigin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const { app } = createApp({
    db: server.tdb.db,
    config: { jwtAudience: 'paymux', maxBodyBytes: 64 * 1024, publicUrl: apiOrigin },
    logger: pino({ level: 'silent' }),
    vault,
    providerEndpoints: endpoints,
  });
  fetchApp = (request) => app.fetch(request);

  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(`${server.sandboxUrl}/_admin${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox admin ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  return {
    server,
    apiOrigin,
    masterKey,
    providerCtx,
    admin,
    adminGet: async (path) => {
      const res = await fetch(`${server.sandboxUrl}/_admin${path}`);
      if (!res.ok) throw new Error(`sandbox admin GET ${path}: ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    },
    signUp: async () => {
      n += 1;
      const created = await createTenant({
        ctx: {
          db: server.tdb.db,
          actor: OPERATOR,
          testMode: { sandbox: httpSandboxProvisioner({ sandboxUrl: server.sandboxUrl }), vault },
        },
        input: {
          name: `Worker shop ${n}`,
          email: `worker-${n}-${Date.now()}@example.com`,
          password: 'correct horse battery',
        },
      });
      const pick = (provider: 'wechatpay' | 'alipay') => {
        const account = created.testAccounts.find((a) => a.provider === provider);
        if (!account) throw new Error(`no ${provider} test account`);
        return account;
      };
      const wechat = pick('wechatpay');
      const alipay = pick('alipay');
      return {
        tenantId: created.tenant.id,
        wechat: { accountId: wechat.id, mchid: String(wechat.identifiers.mchid) },
        alipay: { accountId: alipay.id, appId: String(alipay.identifiers.app_id) },
      };
    },
    createPayment: async (tenant, input, options = {}) =>
      await createPayment({
        ctx: {
          db: server.tdb.db,
          actor: OPERATOR,
          ...providerCtx,
          ...(options.now ? { now: options.now } : {}),
          publicUrl: options.publicUrl ?? apiOrigin,
          jobSchedule: options.schedule ?? FAST_SCHEDULE,
        },
        input: { ...input, tenantId: tenant.tenantId, mode: 'test', currency: 'CNY', description: 'Tea' },
      }),
    startWorker: async (overrides = {}) => {
      const worker = await startWorker({
        db: server.tdb.db,
        url: server.tdb.url,
        providerCtx,
        logger: pino({ level: process.env.WORKER_TEST_LOG ?? 'silent' }),
        ...FAST_WORKER,
        ...overrides,
      });
      workers.push(worker);
      return worker;
    },
    paymentState: async (tenantId, paymentId) => {
      const payment = await withTenant(server.tdb.db, tenantId, (trx) =>
        trx
          .selectFrom('payments')
          .select(['status', 'late'])
          .where('tenant_id', '=', tenantId)
          .where('id', '=', paymentId)
          .executeTakeFirstOrThrow(),
      );
      const events = await server.tdb.owner
        .selectFrom('events')
        .select(['type', 'data'])
        .where('object_id', '=', paymentId)
        .orderBy('id')
        .execute();
      const notifications = await server.tdb.owner
        .selectFrom('provider_notifications')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('payment_id', '=', paymentId)
        .executeTakeFirstOrThrow();
      return { ...payment, events, notifications: Number(notifications.n) };
    },
    close: async () => {
      for (const worker of workers) await worker.stop();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await server.close();
    },
  };
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The sandbox admin path of an order, by provider. */
export function orderPath(tenant: TestTenant, provider: 'wechatpay' | 'alipay', paymentId: string): string {
  return provider === 'wechatpay'
    ? `/wechatpay/merchants/${tenant.wechat.mchid}/orders/${paymentId}`
    : `/alipay/apps/${tenant.alipay.appId}/orders/${paymentId}`;
}
