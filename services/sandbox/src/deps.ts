import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { SandboxDatabase } from './db/schema.ts';

export interface SandboxConfig {
  /** Public base URL of the sandbox itself, e.g. `http://localhost:4000/sandbox` (payer pages, bill links). */
  readonly publicUrl: string;
  /** Operator token for `/_admin`; undefined means open (all-in-one development mode only). */
  readonly adminToken: string | undefined;
  /**
   * Divides every provider delay (notification retries, refund processing) so tests run
   * in seconds: 1 is real time, 1000 turns WeChat's 15 s first retry into 15 ms.
   */
  readonly timeFactor: number;
}

export interface SandboxDeps {
  readonly db: Kysely<SandboxDatabase>;
  readonly config: SandboxConfig;
  readonly logger: Logger;
  /** The sandbox's clock (order expiry, timestamps); tests may pass a fixed or shifted one. */
  readonly now: () => Date;
}
