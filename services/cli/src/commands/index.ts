import type { Command } from '../command.ts';
import { apiKeyCreateCommand } from './api-key-create.ts';
import { apiKeyRevokeCommand } from './api-key-revoke.ts';
import { masterKeyRotateCommand } from './master-key-rotate.ts';
import { migrateCommand } from './migrate.ts';
import { sandboxCommand } from './sandbox.ts';
import { startCommand } from './start.ts';
import { tenantConfigureCommand } from './tenant-configure.ts';
import { tenantCreateCommand } from './tenant-create.ts';
import { tokenCommand } from './token.ts';
import { workerCommand } from './worker.ts';

export const COMMANDS: readonly Command[] = [
  startCommand,
  workerCommand,
  sandboxCommand,
  migrateCommand,
  tenantCreateCommand,
  tenantConfigureCommand,
  apiKeyCreateCommand,
  apiKeyRevokeCommand,
  tokenCommand,
  masterKeyRotateCommand,
];
