// Starts and stops notification-api-process.ts as a child process (Node runs the
// TypeScript directly), for tests that kill the API mid-request and start it again.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./notification-api-process.ts', import.meta.url));

export interface ApiProcess {
  readonly child: ChildProcess;
  readonly origin: string;
  /** Settles when the process has exited, with its exit code or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** A loopback port that was free a moment ago (the child binds it; a restart binds it again). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startApiProcess(options: {
  databaseUrl: string;
  port: number;
  sandboxUrl: string;
  masterKey: Buffer;
  crashAfterNotify?: boolean;
}): Promise<ApiProcess> {
  const origin = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [SCRIPT], {
    // Only what the API needs: never the test runner's own environment (NODE_OPTIONS & co.).
    env: {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      DATABASE_URL: options.databaseUrl,
      PORT: String(options.port),
      PUBLIC_URL: origin,
      PAYMUX_SANDBOX_URL: options.sandboxUrl,
      PAYMUX_MASTER_KEY: options.masterKey.toString('base64'),
      ...(options.crashAfterNotify ? { PAYMUX_TEST_CRASH_AFTER_NOTIFY: '1' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`API process did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes(`listening ${options.port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`API process exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  return {
    child,
    origin,
    exited,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
