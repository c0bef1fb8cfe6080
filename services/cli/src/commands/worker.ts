import { createLogger } from '@paymux/api';
import { CliError, type Command, writeLine } from '../command.ts';
import { openDatabase } from '../database.ts';
import { openVault } from '../vault.ts';
import { runWorker } from './run-worker.ts';

function positiveInteger(value: string | boolean | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1 || n > max) {
    throw new CliError(`${flag} must be a whole number between 1 and ${max}`);
  }
  return n;
}

export const workerCommand: Command = {
  path: ['worker'],
  summary: 'Run only the job worker (payment sync and expiry, refund sync, webhook delivery)',
  help: `Usage: paymux worker [--concurrency N] [--stop-timeout SECONDS]

Runs the job worker alone, without the API or the sandbox: it queries pending
payments at the provider, closes them at expires_at, settles pending refunds, and
delivers webhooks to tenants' endpoints (PAYMUX_WEBHOOK_ALLOW_LOOPBACK applies).
Jobs live in PostgreSQL (pg-boss, schema pgboss), so any number of workers may run
against one database; \`paymux start\` already runs one in its own process.
Uses DATABASE_URL (or the embedded cluster in PAYMUX_DATA_DIR) and the same
PAYMUX_MASTER_KEY and provider settings as the API.

Options:
  --concurrency N          jobs handled at once per queue (default 4)
  --stop-timeout SECONDS   on SIGTERM/SIGINT, how long in-flight jobs may finish
                           before they are handed back to the queue (default 10)

Example:
  DATABASE_URL=postgres://paymux@db/paymux PAYMUX_MASTER_KEY=… npx paymux worker`,
  options: { concurrency: { type: 'string' }, 'stop-timeout': { type: 'string' } },
  async run({ values, config: loadConfig, io }) {
    const concurrency = positiveInteger(values.concurrency, '--concurrency', 100);
    const stopTimeoutS = positiveInteger(values['stop-timeout'], '--stop-timeout', 600);
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel });
    const handle = await openDatabase(config, {
      log: (line) => logger.debug({ postgres: line }, 'postgres'),
    });
    let worker: Awaited<ReturnType<typeof runWorker>>;
    try {
      const keyring = await openVault(config, io.stderr);
      worker = await runWorker(config, handle, keyring.provider, logger, {
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(stopTimeoutS !== undefined ? { stopTimeoutMs: stopTimeoutS * 1000 } : {}),
      });
    } catch (error) {
      await handle.close();
      throw error;
    }
    writeLine(io.stdout, 'Paymux worker is running (payment.sync, payment.expire, refund.sync).');
    writeLine(io.stdout, 'Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = async (signal: NodeJS.Signals) => {
        if (stopping) {
          writeLine(io.stderr, `${signal} again: exiting now.`);
          process.exit(130);
        }
        stopping = true;
        writeLine(io.stdout, `${signal} received: stopping…`);
        // In-flight jobs get the stop timeout; unfinished ones go back to the queue.
        await worker.stop();
        await handle.close();
        // A job still in flight after the bound was handed back to the queue; its pending
        // provider call must not keep the process alive until its own timeout.
        io.stdout.write('Stopped.\n', () => process.exit(0));
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
