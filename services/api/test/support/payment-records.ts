import type { Database } from '@paymux/db';
import { type Kysely, sql } from 'kysely';

// Owner views (past row-level security) of what POST /v1/payments wrote, with each row's
// version (`xmin`: the transaction that last wrote it), for tests that check which writes
// committed together.

/** A tenant's payments with this merchant_order_id. */
export async function paymentRecords(owner: Kysely<Database>, tenantId: string, merchantOrderId: string) {
  return await owner
    .selectFrom('payments')
    .select(['id', 'merchant_account_id', 'metadata', sql<string>`xmin::text`.as('xmin')])
    .where('tenant_id', '=', tenantId)
    .where('merchant_order_id', '=', merchantOrderId)
    .execute();
}

/** A tenant's Idempotency-Key record (throws if there is none). */
export async function idempotencyRecord(owner: Kysely<Database>, tenantId: string, key: string) {
  return await owner
    .selectFrom('idempotency_keys')
    .select(['status', 'response_status', 'response_body', sql<string>`xmin::text`.as('xmin')])
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
}
