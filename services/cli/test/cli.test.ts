import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freePort, runCli, waitFor } from './support.ts';

let tdb: TestDatabase;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'paymux-cli-'));
  env = { DATABASE_URL: tdb.url, PAYMUX_DATA_DIR: dir };
});
afterAll(async () => {
  await tdb.close();
  await rm(dir, { recursive: true, force: true });
});

describe('paymux CLI', () => {
  it('prints --help for every command and exits 0', async () => {
    for (const command of [
      ['start'],
      ['migrate'],
      ['tenant', 'create'],
      ['tenant', 'configure'],
      ['api-key', 'create'],
      ['api-key', 'revoke'],
      ['token'],
      ['sandbox'],
      ['worker'],
      ['master-key', 'rotate'],
    ]) {
      const result = await runCli([...command, '--help']);
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout).toContain(`Usage: paymux ${command.join(' ')}`);
    }
    const overview = await runCli(['--help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('tenant create');
  });

  it('rejects unknown commands and options with exit code 2', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const bad = await runCli(['token', '--nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--nope');
  });

  it('migrates explicitly and reports an up-to-date database', async () => {
    const result = await runCli(['migrate'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('up to date');
  });

  it('creates a tenant (JSON), refuses the same email again with exit 1, and mints working tokens', async () => {
    const created = await runCli(
      ['tenant', 'create', '--name', 'Acme', '--email', 'Ops@Acme.example', '--password-stdin', '--json'],
      { env, stdin: 'correct horse battery\n' },
    );
    expect(created.code, created.stderr).toBe(0);
    const tenant = JSON.parse(created.stdout) as { id: string; owner: { email: string } };
    expect(tenant.id).toMatch(/^tnt_[0-9a-z]{26}$/);
    expect(tenant.owner.email).toBe('ops@acme.example');

    const again = await runCli(
      ['tenant', 'create', '--name', 'Acme 2', '--email', 'ops@acme.example', '--password-stdin'],
      { env, stdin: 'another password!' },
    );
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('Error: A user with email ops@acme.example already exists.');
    const count = await tdb.owner
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(1);

    const keyResult = await runCli(['api-key', 'create', '--tenant', tenant.id, '--mode', 'test'], { env });
    expect(keyResult.code, keyResult.stderr).toBe(0);
    const key = JSON.parse(keyResult.stdout) as Record<string, unknown> & {
      private_jwk: Record<string, unknown>;
    };
    expect(key).toMatchObject({ alg: 'ES256', mode: 'test' });
    expect(key.id).toMatch(/^key_/);
    expect(typeof key.private_jwk.d).toBe('string');
    // Only the public half is stored.
    const stored = await tdb.owner.selectFrom('api_keys').select('public_jwk').executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(String(key.private_jwk.d));

    const keyFile = join(dir, 'key.json');
    await writeFile(keyFile, keyResult.stdout);
    const tokenResult = await runCli(['token', '--key', keyFile], { env: {} });
    expect(tokenResult.code, tokenResult.stderr).toBe(0);
    const token = tokenResult.stdout.trim();

    // Start the real server against the same database and call it the way curl would.
    const port = await freePort();
    const server = spawn(process.execPath, [CLI, 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: tdb.url,
        PAYMUX_DATA_DIR: dir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let serverOutput = '';
    server.stdout.on('data', (d) => {
      serverOutput += String(d);
    });
    server.stderr.on('data', (d) => {
      serverOutput += String(d);
    });
    try {
      await waitFor(`http://127.0.0.1:${port}/readyz`, 30_000);
      const whoami = await fetch(`http://127.0.0.1:${port}/v1/whoami`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(whoami.status, serverOutput).toBe(200);
      expect(await whoami.json()).toMatchObject({ tenant: tenant.id, api_key: key.id, livemode: false });
      const noToken = await fetch(`http://127.0.0.1:${port}/v1/whoami`);
      expect(noToken.status).toBe(401);

      // Revoked from another process: the running server refuses the key at once
      // (its cache is told through LISTEN/NOTIFY).
      const revoked = await runCli(['api-key', 'revoke', '--tenant', tenant.id, '--key', String(key.id)], {
        env,
      });
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(JSON.parse(revoked.stdout).revoked_at).toEqual(expect.any(String));
      const deadline = Date.now() + 2_000;
      let status = 200;
      while (Date.now() < deadline) {
        status = (
          await fetch(`http://127.0.0.1:${port}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })
        ).status;
        if (status === 401) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(401);
    } finally {
      server.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => server.on('close', resolve));
      expect(code, serverOutput).toBe(0);
    }
  });

  it('refuses a token lifetime over 300 s and a key file without a private key', async () => {
    const keyFile = join(dir, 'public-only.json');
    await writeFile(
      keyFile,
      JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', kid: 'key_01m8c3dp5jr7g4v73md85vefga' }),
    );
    expect((await runCli(['token', '--key', keyFile, '--ttl', '301'])).code).toBe(1);
    const result = await runCli(['token', '--key', keyFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no private key');
  });

  it('stops start-up with one line naming a bad PORT or DATABASE_URL', async () => {
    const badPort = await runCli(['start'], { env: { PORT: 'eighty' } });
    expect(badPort.code).toBe(1);
    expect(badPort.stderr.trim().split('\n')).toEqual([
      'Invalid configuration: PORT: must be an integer between 1 and 65535 (got "eighty")',
    ]);

    const badUrl = await runCli(['start'], {
      env: { DATABASE_URL: 'postgres://user:hunter2@127.0.0.1:1/nope' },
    });
    expect(badUrl.code).toBe(1);
    const lines = badUrl.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Invalid configuration: DATABASE_URL: cannot use postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/nope/,
    );
    expect(badUrl.stderr).not.toContain('hunter2');
  });
});
