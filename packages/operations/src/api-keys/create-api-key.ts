import { ALL_SCOPES, isId, newId, PaymuxError, SCOPES } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import type { OperationContext } from '../context.ts';
import { parseInput } from '../parse-input.ts';
import { isForeignKeyViolation } from '../pg-errors.ts';
import { type ApiKeyView, toApiKeyView } from './api-key-view.ts';

const publicJwk = z
  .object({
    kty: z.enum(['EC', 'OKP']),
    crv: z.enum(['P-256', 'Ed25519']),
    x: z.string().min(1),
    y: z.string().min(1).optional(),
    // Metadata JWK tools add; accepted, then replaced by Paymux's own (kid = the key id).
    kid: z.string().max(200).optional(),
    alg: z.enum(['ES256', 'EdDSA']).optional(),
    use: z.literal('sig').optional(),
    key_ops: z.array(z.string()).optional(),
  })
  // Anything else, above all a private `d`, is refused: the platform stores public keys only.
  .strict();

export const createApiKeyInput = z
  .object({
    tenantId: z.string().refine((v) => isId('tnt', v), 'must be a tenant id (tnt_…)'),
    mode: z.enum(['test', 'live']),
    name: z.string().trim().min(1).max(200).default('default'),
    scopes: z
      .array(z.enum(SCOPES))
      .min(1)
      .default([...ALL_SCOPES]),
    /** A tenant-generated public key to register instead of having Paymux generate a pair. */
    publicJwk: publicJwk.optional(),
  })
  .strict();

export type CreateApiKeyInput = z.input<typeof createApiKeyInput>;

export interface CreatedApiKey extends ApiKeyView {
  /** Only when Paymux generated the pair: returned once, never stored. */
  readonly private_jwk?: JWK;
}

function algOf(jwk: z.output<typeof publicJwk>): 'ES256' | 'EdDSA' {
  const alg =
    jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.y
      ? 'ES256'
      : jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.y === undefined
        ? 'EdDSA'
        : undefined;
  if (alg && (jwk.alg === undefined || jwk.alg === alg)) return alg;
  throw new PaymuxError('validation_failed', 'publicJwk must be an EC P-256 or OKP Ed25519 public key', {
    fields: [{ path: 'publicJwk', message: 'unsupported key type or curve' }],
  });
}

/**
 * Creates an API key for a tenant and mode. By default Paymux generates an ES256 pair
 * and returns the private JWK exactly once; only the public key is stored.
 *
 * @example
 * const key = await createApiKey({ ctx, input: { tenantId, mode: 'test' } });
 * // key.private_jwk → give to the tenant; key.id is the JWT `kid`.
 */
export async function createApiKey({
  ctx,
  input,
}: {
  ctx: OperationContext;
  input: CreateApiKeyInput;
}): Promise<CreatedApiKey> {
  const parsed = parseInput(createApiKeyInput, input);
  const id = newId('key');
  let publicKey: JWK;
  let privateKey: JWK | undefined;
  let alg: 'ES256' | 'EdDSA';
  if (parsed.publicJwk) {
    alg = algOf(parsed.publicJwk);
    const { kty, crv, x, y } = parsed.publicJwk;
    publicKey = y === undefined ? { kty, crv, x } : { kty, crv, x, y };
    try {
      await importJWK(publicKey, alg);
    } catch (error) {
      throw new PaymuxError('validation_failed', 'publicJwk is not a valid public key', {
        cause: error,
        fields: [{ path: 'publicJwk', message: 'not a valid key' }],
      });
    }
  } else {
    alg = 'ES256';
    const pair = await generateKeyPair('ES256', { extractable: true });
    const { kty, crv, x, y } = await exportJWK(pair.publicKey);
    publicKey = { kty, crv, x, y };
    privateKey = { ...(await exportJWK(pair.privateKey)), kid: id, alg, use: 'sig' };
  }
  const thumbprint = await calculateJwkThumbprint(publicKey);
  const publicJwkStored = { ...publicKey, kid: id, alg, use: 'sig' };

  try {
    const row = await withTenant(ctx.db, parsed.tenantId, async (trx) => {
      const inserted = await trx
        .insertInto('api_keys')
        .values({
          tenant_id: parsed.tenantId,
          id,
          name: parsed.name,
          mode: parsed.mode,
          alg,
          public_jwk: JSON.stringify(publicJwkStored),
          thumbprint,
          scopes: [...new Set(parsed.scopes)],
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, {
        tenantId: parsed.tenantId,
        actor: ctx.actor,
        action: 'api_key.created',
        targetType: 'api_key',
        targetId: id,
        data: {
          mode: parsed.mode,
          scopes: inserted.scopes,
          alg,
          thumbprint,
          generated: privateKey !== undefined,
        },
        requestId: ctx.requestId,
      });
      return inserted;
    });
    const view = toApiKeyView(row);
    return privateKey ? { ...view, private_jwk: privateKey } : view;
  } catch (error) {
    if (isForeignKeyViolation(error))
      throw new PaymuxError('not_found', `No such tenant: ${parsed.tenantId}`);
    throw error;
  }
}
