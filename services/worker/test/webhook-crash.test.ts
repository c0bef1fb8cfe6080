import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@paymux/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliveryOf,
  dispatcherFor,
  emit,
  MASTER_KEY,
  makeEndpoint,
  makeTenant,
  webhookTestDatabase,
} from './support/webhook-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const SCRIPT = fileURLToPath(new URL('./support/dispatch-process.ts', import.meta.url));
const LEASE_MS = 1_500;

let tdb: TestDatabase;
let receiver: WebhookReceiver;
beforeAll(async () => {
  tdb = await webhookTestDatabase();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await tdb.close();
});

/** Runs the dispatcher in a child process that SIGKILLs itself at `crashAt`; resolves when it is dead. */
async function crashingDispatcher(crashAt: 'before_send' | 'after_send'): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [SCRIPT], {
    env: {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      DATABASE_URL: tdb.url,
      PAYMUX_MASTER_KEY: MASTER_KEY.toString('base64'),
      PAYMUX_TEST_LEASE_MS: String(LEASE_MS),
      PAYMUX_TEST_CRASH_AT: crashAt,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const signal = await exited;
  clearTimeout(timeout);
  if (signal !== 'SIGKILL') throw new Error(`dispatcher exited without crashing: ${stderr}`);
  return signal;
}

describe('crash matrix: the delivering process dies', () => {
  for (const crashAt of ['before_send', 'after_send'] as const) {
    it(`${crashAt.replace('_', ' ')}: the event still arrives, always with the same webhook-id`, async () => {
      const tenant = await makeTenant(tdb);
      const path = `/${crashAt}`;
      const endpoint = await makeEndpoint(tdb, tenant, receiver.url(path));
      const eventId = await emit(tdb, tenant);
      const arrived = () => receiver.received.filter((r) => r.path === path);

      await crashingDispatcher(crashAt);
      expect(arrived()).toHaveLength(crashAt === 'before_send' ? 0 : 1);
      const leased = await deliveryOf(tdb, eventId, endpoint.id);
      expect(leased).toMatchObject({ status: 'pending', attempts: 0 });
      expect(leased.lease_token).not.toBeNull();

      // While the dead process's lease lasts, nobody else takes the delivery...
      const survivor = dispatcherFor(tdb);
      const leaseLeft = (leased.lease_expires_at?.getTime() ?? 0) - Date.now();
      if (leaseLeft > 300) expect(await survivor.runOnce()).toBe(0);
      // ...and once it lapses, the delivery is sent again and recorded.
      await new Promise((r) => setTimeout(r, Math.max(0, leaseLeft + 50)));
      expect(await survivor.runOnce()).toBe(1);

      expect(arrived().length).toBeGreaterThanOrEqual(1);
      expect(new Set(arrived().map((r) => r.headers['webhook-id']))).toEqual(new Set([eventId]));
      expect(await deliveryOf(tdb, eventId, endpoint.id)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        lease_token: null,
      });
    }, 60_000);
  }
});
