import { serve } from '@hono/node-server';
import { createLogger } from '@paymux/api';
import { Hono } from 'hono';
import { CliError, type Command, writeLine } from '../command.ts';
import { openDatabase } from '../database.ts';
import { openSandbox } from '../sandbox.ts';

export const sandboxCommand: Command = {
  path: ['sandbox'],
  summary: 'Run the WeChat Pay / Alipay sandbox on its own',
  help: `Usage: paymux sandbox

Serves only the sandbox (WeChat Pay v3 under /sandbox/wechatpay, Alipay under
/sandbox/alipay/gateway.do and /sandbox/alipay, payer pages, admin API) on PORT,
with its state in PostgreSQL (DATABASE_URL or the embedded cluster).
Outside the all-in-one server the admin API requires an operator token:
set PAYMUX_SANDBOX_ADMIN_TOKEN and send "Authorization: Bearer <token>".

Example:
  PAYMUX_SANDBOX_ADMIN_TOKEN=$(openssl rand -hex 16) PORT=4010 npx paymux sandbox`,
  options: {},
  async run({ config: loadConfig, io }) {
    const config = loadConfig();
    if (!config.sandboxAdminToken) {
      throw new CliError('PAYMUX_SANDBOX_ADMIN_TOKEN is required to run the sandbox on its own');
    }
    const logger = createLogger({ level: config.logLevel });
    const handle = await openDatabase(config);
    const running = await openSandbox(config, handle.url, logger, { adminToken: config.sandboxAdminToken });
    const app = new Hono();
    app.get('/healthz', (c) => c.json({ status: 'ok' }));
    app.route('/sandbox', running.sandbox.app);
    running.sandbox.start();
    const server = serve({ fetch: app.fetch, port: config.port, hostname: '0.0.0.0' });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('listening', () => resolve());
        server.once('error', reject);
      });
    } catch (error) {
      await running.stop();
      await handle.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CliError(`PORT ${config.port} is already in use; set PORT to a free port`);
      }
      throw error;
    }
    writeLine(io.stdout, `Paymux sandbox is running at ${running.publicUrl}`);
    writeLine(
      io.stdout,
      `  WeChat Pay v3: ${running.publicUrl}/wechatpay   Alipay: ${running.publicUrl}/alipay/gateway.do`,
    );
    writeLine(io.stdout, `  Admin API:     ${running.publicUrl}/_admin (Bearer PAYMUX_SANDBOX_ADMIN_TOKEN)`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.close(async () => {
          await running.stop();
          await handle.close();
          resolve();
        });
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
