import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, freePort, runCli, waitFor } from '../../services/cli/test/support.ts';

// `npm start` on a fresh machine: embedded PostgreSQL, no DATABASE_URL, whatever the
// test run itself uses.
const dataDirs: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

function startServer(dataDir: string, port: number): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: { PATH: process.env.PATH ?? '', PAYMUX_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  return { child, output: () => output };
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.kill('SIGINT');
  return await closed;
}

const exists = async (path: string) =>
  await access(path).then(
    () => true,
    () => false,
  );

describe('paymux start with embedded PostgreSQL', () => {
  it('is ready within 60 s, serves the CLI beside it, stops cleanly on Ctrl-C and reuses its data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'paymux-e2e-'));
    dataDirs.push(dataDir);
    const port = await freePort();

    const started = Date.now();
    const first = startServer(dataDir, port);
    await waitFor(`http://127.0.0.1:${port}/readyz`, 60_000);
    const readyAfterMs = Date.now() - started;
    expect(readyAfterMs).toBeLessThan(60_000);
    expect(first.output()).toContain('Paymux is running.');
    expect(first.output()).toContain(`http://localhost:${port}/v1`);

    // A second process finds the running cluster through the data dir.
    const cliEnv = { PAYMUX_DATA_DIR: dataDir };
    const created = await runCli(
      ['tenant', 'create', '--name', 'Acme', '--email', 'e2e@example.com', '--password-stdin', '--json'],
      { env: cliEnv, stdin: 'correct horse battery' },
    );
    expect(created.code, created.stderr).toBe(0);
    // Every tenant starts with test-mode accounts on the built-in sandbox.
    const tenant = JSON.parse(created.stdout) as { test_merchant_accounts: Array<{ provider: string }> };
    expect(tenant.test_merchant_accounts.map((a) => a.provider).sort()).toEqual(['alipay', 'wechatpay']);

    expect(await interrupt(first.child)).toBe(0);
    expect(first.output()).toContain('Stopped.');
    // PostgreSQL removes its lock file only on a clean shutdown.
    expect(await exists(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = startServer(dataDir, port);
    await waitFor(`http://127.0.0.1:${port}/readyz`, 60_000);
    const duplicate = await runCli(
      ['tenant', 'create', '--name', 'Acme', '--email', 'e2e@example.com', '--password-stdin'],
      { env: cliEnv, stdin: 'correct horse battery' },
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');
    expect(await interrupt(second.child)).toBe(0);
    expect(await exists(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 180_000);

  it('runs a CLI command with no server running by starting PostgreSQL for the command only', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'paymux-e2e-'));
    dataDirs.push(dataDir);
    const result = await runCli(['migrate'], { env: { PAYMUX_DATA_DIR: dataDir } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('applied 2026-11-26-0001-foundation');
    expect(await exists(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(await exists(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 120_000);
});
