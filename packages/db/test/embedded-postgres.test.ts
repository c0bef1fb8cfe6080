import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ownerKysely } from '../src/connect.ts';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../src/embedded-postgres.ts';

// The embedded cluster is reached through a Unix socket in its own directory (cheaper per
// round trip than loopback TCP), and over TCP when the socket path would be too long.

const started: EmbeddedPostgresHandle[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const server of started) await server.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir(suffix = ''): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'paymux-embedded-'));
  await chmod(base, 0o755);
  dirs.push(base);
  const dir = join(base, suffix);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** How this URL's connections arrive: inet_client_addr() is null on a Unix socket. */
async function transport(url: string): Promise<'socket' | 'tcp'> {
  const db = ownerKysely(url, 1);
  try {
    const { rows } = await sql<{ addr: string | null }>`select inet_client_addr()::text as addr`.execute(db);
    return rows[0]?.addr === null ? 'socket' : 'tcp';
  } finally {
    await db.destroy();
  }
}

describe('embedded PostgreSQL transport', () => {
  it('connects through the Unix socket in the cluster directory, also for a second process', async () => {
    const dir = await dataDir();
    const server = await startEmbeddedPostgres({ dataDir: dir });
    started.push(server);
    expect(server.startedHere).toBe(true);
    expect(new URL(server.url).searchParams.get('host')).toBe(join(dir, 'postgres'));
    expect(await transport(server.url)).toBe('socket');

    // Another process on the same data directory finds the running server (postmaster.pid).
    const again = await startEmbeddedPostgres({ dataDir: dir });
    expect(again.startedHere).toBe(false);
    expect(again.url).toBe(server.url);
    expect(await transport(again.url)).toBe('socket');

    // TCP still answers, for tools given only host and port (control).
    const tcp = new URL(server.url);
    tcp.search = '';
    expect(await transport(tcp.toString())).toBe('tcp');
  }, 120_000);

  it('falls back to loopback TCP when the socket path would not fit a socket address', async () => {
    const dir = await dataDir(
      'a-directory-name-long-enough-that-the-socket-path-exceeds-the-limit-0123456789',
    );
    const server = await startEmbeddedPostgres({ dataDir: dir });
    started.push(server);
    expect(new URL(server.url).searchParams.get('host')).toBeNull();
    expect(await transport(server.url)).toBe('tcp');
  }, 120_000);
});
