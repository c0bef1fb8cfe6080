import type { Database } from '@paymux/db';
import { withSystem } from '@paymux/db';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export interface ApiKeyForAuth {
  readonly id: string;
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly alg: 'ES256' | 'EdDSA';
  readonly publicJwk: Record<string, unknown>;
  readonly scopes: string[];
  readonly revoked: boolean;
  readonly lastUsedAt: Date | null;
}

/**
 * Resolves a JWT `kid` to its key before any tenant is known: one of the reviewed
 * system-path reads. The caller must have checked the kid's format already.
 */
export async function findApiKeyForAuth(
  db: Kysely<Database>,
  keyId: string,
): Promise<ApiKeyForAuth | undefined> {
  const row = await withSystem(db, 'authenticate', (trx) =>
    trx
      .selectFrom('api_keys')
      .select(['id', 'tenant_id', 'mode', 'alg', 'public_jwk', 'scopes', 'revoked_at', 'last_used_at'])
      .where('id', '=', keyId)
      .executeTakeFirst(),
  );
  if (!row) return undefined;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    mode: row.mode,
    alg: row.alg,
    publicJwk: row.public_jwk,
    scopes: row.scopes,
    revoked: row.revoked_at !== null,
    lastUsedAt: row.last_used_at,
  };
}

/** Records that a key was used (callers throttle this; it is not on every request). */
export async function touchApiKey(db: Kysely<Database>, keyId: string): Promise<void> {
  await withSystem(db, 'touch-api-key', (trx) =>
    trx.updateTable('api_keys').set({ last_used_at: sql<Date>`now()` }).where('id', '=', keyId).execute(),
  );
}
