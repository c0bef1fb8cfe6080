import { type Database, withSystem } from '@paymux/db';
import { type KeyProvider, rewrapEnvelope, type SecretContext } from '@paymux/vault';
import { type Kysely, sql } from 'kysely';
import { sealedResponseContext } from '../idempotency/sealed-response-context.ts';
import { credentialsContext } from '../merchant-accounts/credentials-context.ts';
import { webhookSecretContext } from '../webhooks/webhook-secret-context.ts';

export interface RewrapProgress {
  readonly rewrapped: number;
  readonly remaining: number;
}

/** Every column holding vault envelopes, and the context each was sealed under. */
const SEALED_COLUMNS: ReadonlyArray<{
  readonly table: 'merchant_accounts' | 'webhook_endpoints';
  readonly column: 'credentials' | 'secret' | 'previous_secret';
  readonly context: (tenantId: string, id: string) => SecretContext;
}> = [
  { table: 'merchant_accounts', column: 'credentials', context: credentialsContext },
  { table: 'webhook_endpoints', column: 'secret', context: webhookSecretContext },
  { table: 'webhook_endpoints', column: 'previous_secret', context: webhookSecretContext },
];

/**
 * Re-wraps every sealed secret (merchant credentials, webhook signing secrets, and the
 * sealed 24-hour replay copies of Idempotency-Key responses that show a secret) whose data
 * key is not under the active master key: only the small wrapped data key changes, never
 * the ciphertext. Works in batches, each its own transaction, compare-and-set on the
 * envelope (a concurrent update wins), so it can run beside live servers and be re-run
 * after an interruption. Returns when nothing is left to re-wrap.
 */
export async function rewrapSecrets(
  db: Kysely<Database>,
  vault: KeyProvider,
  options: { batchSize?: number; onProgress?: (progress: RewrapProgress) => void } = {},
): Promise<RewrapProgress> {
  const batchSize = options.batchSize ?? 100;
  let rewrapped = 0;
  for (;;) {
    let seen = 0;
    for (const sealed of SEALED_COLUMNS) {
      const batch = await withSystem(db, 'master-key-rotation', async (trx) => {
        const table = sql.table(sealed.table);
        const column = sql.ref(sealed.column);
        const rows = await sql<{ tenant_id: string; id: string; envelope: unknown }>`
          select tenant_id, id, ${column} as envelope from ${table}
          where ${column} ? 'kek' and ${column}->>'kek' <> ${vault.activeKeyId}
          order by id limit ${batchSize}
          for update skip locked
        `.execute(trx);
        let done = 0;
        for (const row of rows.rows) {
          const envelope = await rewrapEnvelope(vault, row.envelope, sealed.context(row.tenant_id, row.id));
          const updated = await sql`
            update ${table} set ${column} = ${JSON.stringify(envelope)}::jsonb
            where tenant_id = ${row.tenant_id} and id = ${row.id}
              and ${column} = ${JSON.stringify(row.envelope)}::jsonb
          `.execute(trx);
          done += Number(updated.numAffectedRows ?? 0n);
        }
        return { seen: rows.rows.length, done };
      });
      rewrapped += batch.done;
      seen += batch.seen;
    }
    const responses = await rewrapSealedResponses(db, vault, batchSize);
    rewrapped += responses.done;
    seen += responses.seen;
    const remaining = await countStale(db, vault);
    options.onProgress?.({ rewrapped, remaining });
    if (remaining === 0) return { rewrapped, remaining };
    if (seen === 0) {
      // Everything left is locked by a concurrent writer; give it a moment.
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** How many secrets are still wrapped under a master key other than the active one. */
export async function countStale(db: Kysely<Database>, vault: KeyProvider): Promise<number> {
  return await withSystem(db, 'master-key-rotation', async (trx) => {
    let n = 0;
    for (const sealed of SEALED_COLUMNS) {
      const column = sql.ref(sealed.column);
      const result = await sql<{ n: number }>`
        select count(*)::int as n from ${sql.table(sealed.table)}
        where ${column} ? 'kek' and ${column}->>'kek' <> ${vault.activeKeyId}
      `.execute(trx);
      n += result.rows[0]?.n ?? 0;
    }
    const responses = await sql<{ n: number }>`
      select count(*)::int as n from idempotency_keys where ${staleSealedResponse(vault)}
    `.execute(trx);
    return n + (responses.rows[0]?.n ?? 0);
  });
}

/**
 * A sealed replay copy is stored as the text `{"sealed":<envelope>}` (only routes that seal
 * write that shape); the CASE keeps any other body from being parsed as JSON.
 */
function staleSealedResponse(vault: KeyProvider) {
  return sql<boolean>`case when response_body like '{"sealed":{%'
    then (response_body::jsonb -> 'sealed') ? 'kek'
      and (response_body::jsonb -> 'sealed' ->> 'kek') <> ${vault.activeKeyId}
    else false end`;
}

/** One batch of stale sealed replay copies, compare-and-set on the stored text. */
async function rewrapSealedResponses(
  db: Kysely<Database>,
  vault: KeyProvider,
  batchSize: number,
): Promise<{ seen: number; done: number }> {
  return await withSystem(db, 'master-key-rotation', async (trx) => {
    const rows = await sql<{ tenant_id: string; mode: 'test' | 'live'; key: string; body: string }>`
      select tenant_id, mode, key, response_body as body from idempotency_keys
      where ${staleSealedResponse(vault)}
      order by tenant_id, mode, key limit ${batchSize}
      for update skip locked
    `.execute(trx);
    let done = 0;
    for (const row of rows.rows) {
      const { sealed } = JSON.parse(row.body) as { sealed: unknown };
      const envelope = await rewrapEnvelope(
        vault,
        sealed,
        sealedResponseContext({ tenantId: row.tenant_id, mode: row.mode, key: row.key }),
      );
      const updated = await sql`
        update idempotency_keys set response_body = ${JSON.stringify({ sealed: envelope })}
        where tenant_id = ${row.tenant_id} and mode = ${row.mode} and key = ${row.key}
          and response_body = ${row.body}
      `.execute(trx);
      done += Number(updated.numAffectedRows ?? 0n);
    }
    return { seen: rows.rows.length, done };
  });
}
