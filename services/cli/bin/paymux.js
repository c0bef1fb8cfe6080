#!/usr/bin/env node
// Entry point of the `paymux` CLI. Plain JavaScript so it runs before TypeScript
// support is known; the CLI itself is TypeScript run by Node's type stripping.
import { spawnSync } from 'node:child_process';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `Paymux needs Node.js >= 22.12 (this is ${process.versions.node}). ` +
      'Run it through npm (`npm start`, `npx paymux …`), which uses the Node 24 pinned in this repository.\n',
  );
  process.exit(1);
}
if (!process.features.typescript) {
  // Node 22.12–22.17: type stripping exists behind a flag.
  const result = spawnSync(
    process.execPath,
    ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(result.status ?? 1);
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
