import type { OperationContext, ProviderContext } from '@paymux/operations';
import type { Logger } from 'pino';

/** What every handler gets: the app pool (verbs open tenant transactions on it), providers, a logger. */
export type JobContext = OperationContext &
  ProviderContext & {
    readonly logger: Logger;
    /** PUBLIC_URL, for the notify_url of refunds the worker starts. */
    readonly publicUrl: string;
  };

/** What a handler reports; stored as the job's output (ids and statuses only). */
export interface JobOutcome {
  readonly outcome: 'skipped' | 'unchanged' | 'applied' | 'closed' | 'gave_up';
  readonly status?: string;
  readonly late?: boolean;
  readonly code?: string;
}
