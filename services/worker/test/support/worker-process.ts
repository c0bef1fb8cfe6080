import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Harness } from './harness.ts';

const CLI = fileURLToPath(new URL('../../../../bin/paymux.js', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string | null>;
}

/** The real `paymux worker` in a child process, on the harness's database and sandbox. */
export async function spawnWorkerProcess(h: Harness, args: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      TZ: 'UTC',
      LOG_LEVEL: 'info',
      DATABASE_URL: h.server.tdb.url,
      PAYMUX_MASTER_KEY: h.masterKey.toString('base64'),
      PAYMUX_SANDBOX_URL: h.server.sandboxUrl,
      PAYMUX_DATA_DIR: mkdtempSync(join(tmpdir(), 'paymux-worker-')),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += String(d);
  });
  child.stderr.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const deadline = Date.now() + 30_000;
  while (!output.includes('Paymux worker is running')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`paymux worker did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output, exited };
}
