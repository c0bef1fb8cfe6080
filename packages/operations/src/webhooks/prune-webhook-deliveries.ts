import type { Database } from '@paymux/db';
import { type Kysely, sql } from 'kysely';
import { deleteInBatches } from '../delete-in-batches.ts';

/** Finished deliveries are kept, with their attempt logs, for 30 days after their last change. */
export const DEFAULT_WEBHOOK_DELIVERY_RETENTION_S = 30 * 24 * 60 * 60;

/**
 * The shortest retention allowed, whatever the caller asks: past the retry schedule (about
 * 28 h), and a week for a tenant to notice a failed delivery and retry it by hand.
 */
const MIN_WEBHOOK_DELIVERY_RETENTION_S = 7 * 24 * 60 * 60;

/**
 * Deletes webhook deliveries that finished (`succeeded` or `failed`) and have not changed
 * for `olderThanS`, with their attempt logs (the attempts' foreign key cascades), in
 * batches, each its own short transaction on the system path. Pending deliveries are never
 * touched. The events stay: a tenant can still replay them to an endpoint, which creates
 * fresh deliveries. A delivery retried or replayed while the batch runs is pending again
 * by the time the delete reaches it, and PostgreSQL re-checks the condition on the row it
 * waited for, so it is kept. Returns how many deliveries were deleted.
 */
export async function pruneWebhookDeliveries(
  db: Kysely<Database>,
  options: { readonly olderThanS?: number; readonly batchSize?: number } = {},
): Promise<number> {
  const olderThanS = Math.max(
    options.olderThanS ?? DEFAULT_WEBHOOK_DELIVERY_RETENTION_S,
    MIN_WEBHOOK_DELIVERY_RETENTION_S,
  );
  const batchSize = options.batchSize ?? 1000;
  return await deleteInBatches(
    db,
    'webhook-delivery-pruning',
    batchSize,
    () => sql`
      delete from webhook_deliveries d
      using (
        select tenant_id, id from webhook_deliveries
        where status <> 'pending' and updated_at < now() - make_interval(secs => ${olderThanS})
        order by updated_at
        limit ${batchSize}
      ) as old
      where d.tenant_id = old.tenant_id and d.id = old.id
        and d.status <> 'pending' and d.updated_at < now() - make_interval(secs => ${olderThanS})
    `,
  );
}
