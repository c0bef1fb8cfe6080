import type { Database } from '@paymux/db';
import type { Kysely } from 'kysely';

/** Who performs an operation; recorded in the audit log. */
export interface Actor {
  readonly type: 'user' | 'api_key' | 'operator' | 'system';
  readonly id: string | null;
}

/** What every operation receives besides its input. Transports build it; verbs never read globals. */
export interface OperationContext {
  readonly db: Kysely<Database>;
  readonly actor: Actor;
  readonly requestId?: string | undefined;
}

export const OPERATOR: Actor = { type: 'operator', id: null };
