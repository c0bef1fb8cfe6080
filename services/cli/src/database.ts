import { connect, type DatabaseHandle } from '@paymux/db';
import { CliError } from './command.ts';
import { type Config, ConfigError, redactUrl } from './config.ts';

/**
 * Opens the configured database (DATABASE_URL, or the embedded cluster in the data
 * dir: found running, or started for this command and stopped after it).
 * Connection failures name DATABASE_URL, never its password.
 */
export async function openDatabase(
  config: Config,
  options: { migrate?: boolean; log?: (line: string) => void } = {},
): Promise<DatabaseHandle> {
  try {
    return await connect({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      migrate: options.migrate ?? true,
      ...(options.log ? { log: options.log } : {}),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    if (config.databaseUrl) {
      throw new ConfigError('DATABASE_URL', `cannot use ${redactUrl(config.databaseUrl)}: ${reason}`);
    }
    throw new CliError(`embedded PostgreSQL in ${config.dataDir} failed: ${reason}`);
  }
}

export async function withDatabase<T>(
  config: Config,
  fn: (handle: DatabaseHandle) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const handle = await openDatabase(config, options);
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}
