import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { Hono } from 'hono';
import { pino } from 'pino';
import { createSandbox, type Sandbox } from '../../src/app.ts';
import { connectSandboxDb } from '../../src/db/connect.ts';
import type { SandboxDeps } from '../../src/deps.ts';

export interface SandboxServer {
  /** e.g. http://127.0.0.1:54321/sandbox */
  readonly sandboxUrl: string;
  readonly origin: string;
  readonly sandbox: Sandbox;
  readonly deps: SandboxDeps;
  readonly tdb: TestDatabase;
  /** Moves the sandbox's clock (order expiry, bill dates) by `ms`. */
  advanceClock(ms: number): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server with the sandbox mounted at /sandbox, on its own test database.
 * Notifications are delivered by the real dispatcher, time-compressed by `timeFactor`.
 */
export async function startSandboxServer(
  options: { timeFactor?: number; adminToken?: string } = {},
): Promise<SandboxServer> {
  const tdb = await createTestDatabase();
  const db = await connectSandboxDb(tdb.url);
  let offsetMs = 0;
  const app = new Hono();
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const deps: SandboxDeps = {
    db,
    config: {
      publicUrl: `${origin}/sandbox`,
      adminToken: options.adminToken,
      timeFactor: options.timeFactor ?? 1000,
    },
    logger: pino({ level: process.env.SANDBOX_TEST_LOG ?? 'silent' }),
    now: () => new Date(Date.now() + offsetMs),
  };
  const sandbox = createSandbox(deps);
  app.route('/sandbox', sandbox.app);
  sandbox.start();
  return {
    sandboxUrl: `${origin}/sandbox`,
    origin,
    sandbox,
    deps,
    tdb,
    advanceClock: (ms) => {
      offsetMs += ms;
    },
    close: async () => {
      await sandbox.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
      await tdb.close();
    },
  };
}

export interface ReceivedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly at: number;
}

export interface NotifyReceiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Decides each answer; default 204 with an empty body. */
  respond: (req: ReceivedRequest, index: number) => { status: number; body?: string };
  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** A merchant's notify_url: a real HTTP server that records every request. */
export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const received: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  const app = new Hono();
  const receiver: NotifyReceiver = {
    url: '',
    received,
    respond: () => ({ status: 204 }),
    waitFor: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} notifications, got ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received.slice(0, count);
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  app.post('*', async (c) => {
    const request: ReceivedRequest = {
      headers: Object.fromEntries(c.req.raw.headers.entries()),
      body: await c.req.text(),
      at: Date.now(),
    };
    received.push(request);
    for (const w of waiters.splice(0)) w();
    const answer = receiver.respond(request, received.length - 1);
    return new Response(answer.body ?? null, { status: answer.status });
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  return receiver;
}
