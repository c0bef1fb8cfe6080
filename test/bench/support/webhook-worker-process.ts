// The webhook dispatcher in its own process, as `paymux worker` runs it beside the API in
// production (the bench's API, sandbox and load generator share the other process).
//
//   DATABASE_URL        the bench database (owner URL; the dispatcher uses paymux_app)
//   PAYMUX_MASTER_KEY   base64 master key of the bench stack's vault
//
// Prints `ready` once it listens for work; SIGTERM stops it gracefully.
import { appKysely } from '@paymux/db';
import { LocalKeyProvider } from '@paymux/vault';
import { WebhookDispatcher } from '@paymux/worker';
import { pino } from 'pino';

const url = process.env.DATABASE_URL;
const key = process.env.PAYMUX_MASTER_KEY;
if (!url || !key) throw new Error('DATABASE_URL and PAYMUX_MASTER_KEY are required');
const db = appKysely(url, 10);
const dispatcher = new WebhookDispatcher({
  db,
  listenUrl: url,
  vault: new LocalKeyProvider([Buffer.from(key, 'base64')]),
  logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
  allowLoopback: true,
});
await dispatcher.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void dispatcher.stop().finally(() => db.destroy().finally(() => process.exit(0)));
});
