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
