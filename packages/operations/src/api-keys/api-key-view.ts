import type { ApiKeyRow } from '@paymux/db';

/** The public shape of an API key. Only the public key is ever stored or shown. */
export interface ApiKeyView {
  readonly id: string;
  readonly object: 'api_key';
  readonly name: string;
  readonly mode: 'test' | 'live';
  readonly alg: 'ES256' | 'EdDSA';
  readonly scopes: string[];
  readonly public_jwk: Record<string, unknown>;
  readonly thumbprint: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

export function toApiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    object: 'api_key',
    name: row.name,
    mode: row.mode,
    alg: row.alg,
    scopes: row.scopes,
    public_jwk: row.public_jwk,
    thumbprint: row.thumbprint,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
