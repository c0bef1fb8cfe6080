import { type Database, withSystem } from '@paymux/db';
import type { Kysely, RawBuilder } from 'kysely';

/**
 * Housekeeping deletes on the system path: runs `statement` (a `DELETE` of at most
 * `batchSize` rows) in a short transaction of its own, again and again until a batch comes
 * back short, so no transaction holds many row locks or runs long. Returns the rows deleted.
 */
export async function deleteInBatches(
  db: Kysely<Database>,
  purpose: string,
  batchSize: number,
  statement: () => RawBuilder<unknown>,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await withSystem(db, purpose, (trx) => statement().execute(trx));
    const n = Number(result.numAffectedRows ?? 0n);
    deleted += n;
    if (n < batchSize) return deleted;
  }
}
