import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allowTraversal } from '../src/embedded-postgres.ts';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe('allowTraversal (embedded PostgreSQL run as root)', () => {
  it('adds o+x, and nothing else, to the directory and each ancestor missing it', async () => {
    const top = await mkdtemp(join(tmpdir(), 'paymux-traverse-'));
    made.push(top);
    const inner = join(top, 'a', 'b');
    await mkdir(inner, { recursive: true, mode: 0o700 });
    const lines: string[] = [];
    await allowTraversal(inner, (line) => lines.push(line));
    for (const dir of [top, join(top, 'a'), inner]) {
      expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('701');
    }
    expect(lines).toHaveLength(3);
    // Already traversable: nothing to change, nothing logged.
    await allowTraversal(inner, (line) => lines.push(line));
    expect(lines).toHaveLength(3);
  });
});
