import { type Database, withSystem } from '@paymux/db';
import { type KeyProvider, rewrapEnvelope } from '@paymux/vault';
import { type Kysely, sql } from 'kysely';
import { credentialsContext } from '../merchant-accounts/credentials-context.ts';

export interface RewrapProgress {
  readonly rewrapped: number;
  readonly remaining: number;
}

/**
 * Re-wraps every sealed secret whose data key is not under the active master key:
 * only the small wrapped data key changes, never the ciphertext. Works in batches, each
 * its own transaction, compare-and-set on the envelope (a concurrent credential update
 * wins), so it can run beside live servers and be re-run after an interruption.
 * Returns when nothing is left to re-wrap.
 */
export async function rewrapSecrets(
  db: Kysely<Database>,
  vault: KeyProvider,
  options: { batchSize?: number; onProgress?: (progress: RewrapProgress) => void } = {},
): Promise<RewrapProgress> {
  const batchSize = options.batchSize ?? 100;
  let rewrapped = 0;
  for (;;) {
    const batch = await withSystem(db, 'master-key-rotation', async (trx) => {
      const rows = await trx
        .selectFrom('merchant_accounts')
        .select(['tenant_id', 'id', 'credentials'])
        .where(sql<boolean>`credentials ? 'kek'`)
        .where(sql<boolean>`credentials->>'kek' <> ${vault.activeKeyId}`)
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      let done = 0;
      for (const row of rows) {
        const envelope = await rewrapEnvelope(
          vault,
          row.credentials,
          credentialsContext(row.tenant_id, row.id),
        );
        const updated = await trx
          .updateTable('merchant_accounts')
          .set({ credentials: JSON.stringify(envelope) })
          .where('tenant_id', '=', row.tenant_id)
          .where('id', '=', row.id)
          .where(sql<boolean>`credentials = ${JSON.stringify(row.credentials)}::jsonb`)
          .executeTakeFirst();
        done += Number(updated.numUpdatedRows);
      }
      return { seen: rows.length, done };
    });
    rewrapped += batch.done;
    const remaining = await countStale(db, vault);
    options.onProgress?.({ rewrapped, remaining });
    if (remaining === 0) return { rewrapped, remaining };
    if (batch.seen === 0) {
      // Everything left is locked by a concurrent writer; give it a moment.
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** How many secrets are still wrapped under a master key other than the active one. */
export async function countStale(db: Kysely<Database>, vault: KeyProvider): Promise<number> {
  return await withSystem(db, 'master-key-rotation', async (trx) => {
    const row = await trx
      .selectFrom('merchant_accounts')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where(sql<boolean>`credentials ? 'kek'`)
      .where(sql<boolean>`credentials->>'kek' <> ${vault.activeKeyId}`)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
}
