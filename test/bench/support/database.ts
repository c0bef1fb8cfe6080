// PostgreSQL for a benchmark run, outside vitest (whose `inject` createTestDatabase needs):
// a throwaway database on DATABASE_URL's server, or a fresh embedded cluster in a temp dir.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, ownerKysely, startEmbeddedPostgres } from '@paymux/db';
import { sql } from 'kysely';

export interface BenchDatabase {
  /** Connection string of the run's own, migrated database (as the schema owner). */
  readonly url: string;
  /** `DATABASE_URL` or `embedded PostgreSQL`. */
  readonly where: string;
  /**
   * CPU time (user + system, ms) used so far by the embedded cluster's processes (postmaster
   * and live backends, from /proc); undefined for DATABASE_URL or where /proc is missing.
   */
  cpuMs(): Promise<number | undefined>;
  /** Drops the database, and stops and deletes the embedded cluster if one was started. */
  close(): Promise<void>;
}

/** The same server and credentials as `url`, another database. */
function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL;
  let dataDir: string | undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'paymux-bench-'));
    await chmod(dataDir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir });
    adminUrl = server.url;
    stopEmbedded = server.stop;
  }
  const name = `paymux_bench_${randomBytes(5).toString('hex')}`;
  const cleanup = async () => {
    const admin = ownerKysely(adminUrl, 1);
    try {
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    } finally {
      await admin.destroy();
    }
    await stopEmbedded?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const admin = ownerKysely(adminUrl, 1);
    try {
      await sql`create database ${sql.id(name)}`.execute(admin);
    } finally {
      await admin.destroy();
    }
    const url = databaseUrlFor(adminUrl, name);
    const owner = ownerKysely(url, 1);
    try {
      await migrateToLatest(owner);
    } finally {
      await owner.destroy();
    }
    let closed = false;
    const postmaster = dataDir ? postmasterPid(join(dataDir, 'postgres')) : undefined;
    return {
      url,
      cpuMs: async () => (postmaster === undefined ? undefined : await treeCpuMs(postmaster)),
      where: external ? 'DATABASE_URL (throwaway database)' : 'embedded PostgreSQL (temp dir)',
      close: async () => {
        if (closed) return;
        closed = true;
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup().catch(() => {});
    throw error;
  }
}

function postmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// /proc/<pid>/stat times are in clock ticks: 100 per second on Linux.
const TICK_MS = 10;

/**
 * utime + stime of `root` and its direct children (PostgreSQL backends are the postmaster's
 * children), plus the children that have exited.
 */
async function treeCpuMs(root: number): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the parenthesised command: state ppid … utime(14) stime(15), 1-based overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    if (pid !== root && ppid !== root) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    // cutime + cstime: backends that have exited and been reaped (autovacuum workers, closed
    // connections), so a process ending mid-run does not take its CPU time out of the sum.
    if (pid === root) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks * TICK_MS;
}
