// The webhook dispatcher alone in its own process, for the crash matrix. Configured from
// the environment:
//
//   DATABASE_URL          the migrated database (owner URL; the dispatcher uses paymux_app)
//   PAYMUX_MASTER_KEY     base64 32-byte master key the test sealed the secrets with
//   PAYMUX_TEST_LEASE_MS  lease length, short so the test need not wait a minute
//   PAYMUX_TEST_CRASH_AT  before_send | after_send: SIGKILL this process at that point of
//                         the first delivery (after the claim committed / after the
//                         endpoint answered and before the result is stored)
//
// Prints `ready` once it listens for work.
import { appKysely } from '@paymux/db';
import { LocalKeyProvider } from '@paymux/vault';
import { pino } from 'pino';
import { WebhookDispatcher } from '../../src/index.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const databaseUrl = required('DATABASE_URL');
const crashAt = required('PAYMUX_TEST_CRASH_AT');
const die = () => {
  process.kill(process.pid, 'SIGKILL');
};
const db = appKysely(databaseUrl, 4);
const dispatcher = new WebhookDispatcher({
  db,
  listenUrl: databaseUrl,
  vault: new LocalKeyProvider([Buffer.from(required('PAYMUX_MASTER_KEY'), 'base64')]),
  logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
  allowLoopback: true,
  leaseMs: Number(required('PAYMUX_TEST_LEASE_MS')),
  pollIntervalMs: 100,
  faults: {
    ...(crashAt === 'before_send' ? { beforeSend: die } : {}),
    ...(crashAt === 'after_send' ? { afterSend: die } : {}),
  },
});
await dispatcher.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void dispatcher.stop().finally(() => db.destroy().finally(() => process.exit(0)));
});
