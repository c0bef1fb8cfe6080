/**
 * @paymux/sandbox: a wire-compatible WeChat Pay v3 and Alipay simulator. It plays the
 * providers and shares no domain code with the platform.
 */
export { createSandbox, type Sandbox } from './app.ts';
export { connectSandboxDb } from './db/connect.ts';
export { migrateSandbox } from './db/migrate.ts';
export type { SandboxConfig, SandboxDeps } from './deps.ts';
