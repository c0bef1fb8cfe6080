import type { Database } from '@paymux/db';
import { type Kysely, sql } from 'kysely';
import { deleteInBatches } from '../delete-in-batches.ts';

/** Idempotency records are replayed for 24 h; pruning leaves them a day more than that. */
export const DEFAULT_IDEMPOTENCY_PRUNE_AFTER_S = 48 * 60 * 60;

/**
 * Deletes Idempotency-Key records older than `olderThanS` (never less than the 24 h the
 * contract promises) whose claim is not held, in batches, each its own short transaction
 * on the system path (which may select and delete these rows, nothing else); two workers
 * pruning at once only wait on each other's row locks. A record past
 * its retention is already treated as a free key by the API, so deleting it changes no
 * answer. A request that reuses such a key while the batch runs starts the record afresh
 * (new `created_at`, its lock held); the delete waits for that row and re-checks its
 * condition on it, so the new claim is kept. Returns how many were deleted.
 */
export async function pruneIdempotencyKeys(
  db: Kysely<Database>,
  options: { readonly olderThanS?: number; readonly batchSize?: number } = {},
): Promise<number> {
  const olderThanS = Math.max(options.olderThanS ?? DEFAULT_IDEMPOTENCY_PRUNE_AFTER_S, 24 * 60 * 60);
  const batchSize = options.batchSize ?? 1000;
  return await deleteInBatches(
    db,
    'idempotency-pruning',
    batchSize,
    () => sql`
      delete from idempotency_keys k
      using (
        select tenant_id, mode, key from idempotency_keys
        where created_at < now() - make_interval(secs => ${olderThanS})
          and (locked_until is null or locked_until < now())
        order by created_at
        limit ${batchSize}
      ) as old
      where k.tenant_id = old.tenant_id and k.mode = old.mode and k.key = old.key
        and k.created_at < now() - make_interval(secs => ${olderThanS})
        and (k.locked_until is null or k.locked_until < now())
    `,
  );
}
