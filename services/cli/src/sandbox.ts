import { httpSandboxProvisioner, type SandboxAdminClient, type SandboxProvisioner } from '@paymux/operations';
import { connectSandboxDb, createSandbox, type Sandbox } from '@paymux/sandbox';
import type { Logger } from 'pino';
import type { Config } from './config.ts';

export interface RunningSandbox {
  readonly sandbox: Sandbox;
  /** The sandbox's own public base URL (`<PUBLIC_URL>/sandbox`). */
  readonly publicUrl: string;
  stop(): Promise<void>;
}

/** Builds the sandbox on the same PostgreSQL (its own schema), ready to mount at `/sandbox`. */
export async function openSandbox(
  config: Config,
  databaseUrl: string,
  logger: Logger,
  options: { adminToken: string | undefined },
): Promise<RunningSandbox> {
  const db = await connectSandboxDb(databaseUrl);
  const publicUrl = `${config.publicUrl}/sandbox`;
  const sandbox = createSandbox({
    db,
    config: { publicUrl, adminToken: options.adminToken, timeFactor: config.sandboxTimeFactor },
    logger: logger.child({ component: 'sandbox' }),
    now: () => new Date(),
  });
  return {
    sandbox,
    publicUrl,
    stop: async () => {
      await sandbox.stop();
      await db.destroy();
    },
  };
}

/**
 * Test-mode provisioning for sign-up: the local sandbox in process (same database, its
 * admin API called without a network hop), or a remote one over HTTP when
 * PAYMUX_SANDBOX_URL points elsewhere. Returns a closer for the local sandbox.
 */
export async function sandboxProvisionerFor(
  config: Config,
  databaseUrl: string,
  logger: Logger,
): Promise<{ provisioner: SandboxProvisioner; close(): Promise<void> }> {
  const localUrl = `${config.publicUrl}/sandbox`;
  if (config.sandboxUrl !== localUrl) {
    return {
      provisioner: httpSandboxProvisioner({
        sandboxUrl: config.sandboxUrl,
        adminToken: config.sandboxAdminToken,
      }),
      close: async () => {},
    };
  }
  const running = await openSandbox(config, databaseUrl, logger, { adminToken: undefined });
  return {
    provisioner: httpSandboxProvisioner({
      sandboxUrl: localUrl,
      fetch: async (url, init) => await running.sandbox.app.request(url.slice(localUrl.length), init),
    }),
    close: () => running.stop(),
  };
}

/**
 * The sandbox admin API for the API's test helpers: the local sandbox in process, or the
 * one PAYMUX_SANDBOX_URL names over HTTP (with PAYMUX_SANDBOX_ADMIN_TOKEN).
 */
export function sandboxAdminFor(config: Config, running: RunningSandbox): SandboxAdminClient {
  if (config.sandboxUrl !== running.publicUrl) {
    return httpSandboxProvisioner({ sandboxUrl: config.sandboxUrl, adminToken: config.sandboxAdminToken });
  }
  return httpSandboxProvisioner({
    sandboxUrl: running.publicUrl,
    adminToken: config.sandboxAdminToken,
    fetch: async (url, init) => await running.sandbox.app.request(url.slice(running.publicUrl.length), init),
  });
}
