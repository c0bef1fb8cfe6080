import { serve } from '@hono/node-server';
import { ApiKeyCache, createApp, createLogger } from '@paymux/api';
import { CredentialCache, createRouteCache } from '@paymux/operations';
import { CliError, type Command, writeLine } from '../command.ts';
import { openDatabase } from '../database.ts';
import { openSandbox, sandboxAdminFor } from '../sandbox.ts';
import { openVault } from '../vault.ts';
import { providerEndpointsFor, runWorker } from './run-worker.ts';

export const startCommand: Command = {
  path: ['start'],
  summary: 'Start the all-in-one server',
  help: `Usage: paymux start

Starts Paymux on PORT (default 4000). Without DATABASE_URL it runs embedded
PostgreSQL with its data in PAYMUX_DATA_DIR (default ./.paymux), migrated on start.
Ctrl-C (SIGINT) or SIGTERM stops it cleanly, PostgreSQL included; a second start
reuses the data. Configuration comes from the environment (see README.md).`,
  options: {},
  async run({ config: loadConfig, io }) {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel });
    const handle = await openDatabase(config, {
      log: (line) => logger.debug({ postgres: line }, 'postgres'),
    });
    const keyring = await openVault(config, io.stderr).catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    // All-in-one development server: the sandbox admin API is open unless a token is set.
    const running = await openSandbox(config, handle.url, logger, { adminToken: config.sandboxAdminToken });
    const apiKeyCache = new ApiKeyCache({ databaseUrl: handle.url, logger });
    await apiKeyCache.start();
    const routeCache = createRouteCache({
      databaseUrl: handle.url,
      onConnectionLost: (err) => logger.warn({ err }, 'route cache: LISTEN connection lost; cache bypassed'),
    });
    await routeCache.start();
    const { app } = createApp({
      db: handle.db,
      config: {
        jwtAudience: config.jwtAudience,
        maxBodyBytes: config.maxBodyBytes,
        publicUrl: config.publicUrl,
      },
      logger,
      apiKeyCache,
      routeCache,
      vault: keyring.provider,
      credentialCache: new CredentialCache(),
      providerTimeoutMs: config.providerTimeoutMs,
      sandbox: sandboxAdminFor(config, running),
      providerEndpoints: providerEndpointsFor(config),
      webhooks: { allowLoopback: config.webhookAllowLoopback },
    });

    app.route('/sandbox', running.sandbox.app);
    running.sandbox.start();

    // The job worker, in this process (production runs `paymux worker` on its own). Jobs due
    // before the server listens (after a restart) meet a refused sandbox and are retried.
    let worker: Awaited<ReturnType<typeof runWorker>>;
    try {
      worker = await runWorker(config, handle, keyring.provider, logger);
    } catch (error) {
      await running.stop();
      await Promise.all([apiKeyCache.close(), routeCache.close()]);
      await handle.close();
      throw error;
    }

    const server = serve({ fetch: app.fetch, port: config.port, hostname: '0.0.0.0' });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('listening', () => resolve());
        server.once('error', reject);
      });
    } catch (error) {
      await worker.stop();
      await running.stop();
      await Promise.all([apiKeyCache.close(), routeCache.close()]);
      await handle.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CliError(`PORT ${config.port} is already in use; set PORT to a free port`);
      }
      throw error;
    }

    const base = `http://localhost:${config.port}`;
    writeLine(io.stdout, 'Paymux is running.');
    writeLine(io.stdout, `  API:        ${base}/v1`);
    writeLine(io.stdout, `  OpenAPI:    ${base}/openapi.json`);
    writeLine(io.stdout, `  Sandbox:    ${base}/sandbox (WeChat Pay v3 + Alipay simulator)`);
    writeLine(
      io.stdout,
      '  Worker:     payment sync and expiry, refund sync, webhook delivery (in this process)',
    );
    writeLine(io.stdout, `  Health:     ${base}/readyz   Metrics: ${base}/metrics`);
    writeLine(
      io.stdout,
      `  Database:   ${handle.embedded ? `embedded PostgreSQL in ${config.dataDir}` : 'DATABASE_URL'}`,
    );
    writeLine(io.stdout);
    writeLine(io.stdout, 'Next: create the first tenant (the password is read from stdin):');
    writeLine(
      io.stdout,
      `  printf '%s' "$PASSWORD" | npx paymux tenant create --name Acme --email you@example.com --password-stdin`,
    );
    writeLine(io.stdout, 'Press Ctrl-C to stop.');

    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          writeLine(io.stderr, `${signal} again: exiting now.`);
          process.exit(130);
        }
        stopping = true;
        writeLine(io.stdout, `\n${signal} received: stopping…`);
        // Stop accepting connections, let in-flight requests finish, then release the
        // database; embedded PostgreSQL is stopped last. The worker stops alongside (its
        // in-flight jobs get a bounded grace, then go back to the queue) before the pools close.
        const workerStopped = worker.stop();
        server.close(async () => {
          await workerStopped;
          await running.stop();
          await Promise.all([apiKeyCache.close(), routeCache.close()]);
          await handle.close();
          writeLine(io.stdout, 'Stopped.');
          resolve();
        });
        const closer = server as unknown as { closeIdleConnections?: () => void };
        closer.closeIdleConnections?.();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
