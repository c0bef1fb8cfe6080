import { isId, PaymuxError } from '@paymux/core';
import type { Database } from '@paymux/db';
import { type ApiKeyForAuth, findApiKeyForAuth, touchApiKey } from '@paymux/operations';
import { type CryptoKey, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AuthContext } from '../deps.ts';
import type { ApiKeyCache } from './api-key-cache.ts';

const ALLOWED_ALGS = new Set(['ES256', 'EdDSA']);
const MAX_LIFETIME_S = 300;
const CLOCK_SKEW_S = 30;
const TOUCH_INTERVAL_MS = 60_000;
/** Verified tokens remembered, so an SDK reusing its token is not an ES256 verify per request. */
const VERIFIED_TOKENS_MAX = 10_000;

export interface TokenVerifierOptions {
  readonly db: Kysely<Database>;
  readonly audience: string;
  readonly logger: Logger;
  readonly cache?: ApiKeyCache | undefined;
  readonly now?: (() => Date) | undefined;
}

const invalid = (detail: string) => new PaymuxError('invalid_token', detail);

/**
 * Verifies tenant JWTs (RFC 8725 practice): an algorithm allow-list fixed by the stored
 * key, `aud`, `iat`/`exp` required with a lifetime of at most 300 s, ±30 s skew, and a
 * `kid` checked for format before it is looked up. Tenant and mode come from the key,
 * never from claims.
 */
export class TokenVerifier {
  readonly #options: TokenVerifierOptions;
  // Imported CryptoKeys by kid + thumbprint of the JWK: key material never changes for a kid.
  readonly #cryptoKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();
  readonly #touched = new Map<string, number>();
  // Whole token (signature included) → its verified expiry. A hit skips only the signature
  // and claim checks that cannot change: the key is still looked up (revocation applies at
  // once) and the expiry is checked against the clock on every use.
  readonly #verified = new Map<
    string,
    { readonly keyId: string; readonly iat: number; readonly exp: number }
  >();

  constructor(options: TokenVerifierOptions) {
    this.#options = options;
  }

  async verify(authorization: string | undefined): Promise<AuthContext> {
    if (!authorization) {
      throw new PaymuxError('unauthenticated', 'Send an API token as "Authorization: Bearer <JWT>".');
    }
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization);
    if (!match?.[1]) throw invalid('The Authorization header must be "Bearer <JWT>".');
    const token = match[1];

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalid('The token header is not valid.');
    }
    if (typeof header.alg !== 'string' || !ALLOWED_ALGS.has(header.alg)) {
      throw invalid('The token must be signed with ES256 or EdDSA.');
    }
    if (!isId('key', header.kid)) throw invalid('The token header must carry the API key id as "kid".');

    const key = await this.#lookup(header.kid);
    if (!key) throw invalid('Unknown API key.');
    if (key.revoked) throw invalid('This API key has been revoked.');
    if (header.alg !== key.alg) throw invalid(`This API key signs with ${key.alg}.`);

    const now = this.#options.now?.() ?? new Date();
    const nowS = Math.floor(now.getTime() / 1000);
    const remembered = this.#verified.get(token);
    if (remembered && remembered.keyId === key.id) {
      // jose's rule: expired once exp <= now - tolerance.
      if (remembered.exp <= nowS - CLOCK_SKEW_S) {
        this.#verified.delete(token);
        throw invalid('The token has expired.');
      }
      // Only a clock set back makes this true; the first check then applies again.
      if (remembered.iat > nowS + CLOCK_SKEW_S) throw invalid('The token is issued in the future ("iat").');
      return this.#accept(key);
    }
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, await this.#cryptoKey(key), {
        algorithms: [key.alg],
        audience: this.#options.audience,
        clockTolerance: CLOCK_SKEW_S,
        requiredClaims: ['iat', 'exp'],
        currentDate: now,
      }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') throw invalid('The token has expired.');
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
        throw invalid(`The token's claims are not valid: ${(error as Error).message}.`);
      }
      throw invalid('The token signature is not valid.');
    }
    const iat = payload.iat as number;
    const exp = payload.exp as number;
    if (iat > nowS + CLOCK_SKEW_S) throw invalid('The token is issued in the future ("iat").');
    if (exp - iat > MAX_LIFETIME_S)
      throw invalid(`The token lifetime ("exp" - "iat") exceeds ${MAX_LIFETIME_S} s.`);

    // Oldest first out: Map keeps insertion order.
    if (this.#verified.size >= VERIFIED_TOKENS_MAX) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(token, { keyId: key.id, iat, exp });
    return this.#accept(key);
  }

  #accept(key: ApiKeyForAuth): AuthContext {
    this.#touch(key);
    return { tenantId: key.tenantId, keyId: key.id, mode: key.mode, scopes: key.scopes };
  }

  async #lookup(kid: string): Promise<ApiKeyForAuth | undefined> {
    const cache = this.#options.cache;
    const cached = cache?.get(kid);
    if (cached) return cached;
    const generation = cache?.generation ?? 0;
    const key = await findApiKeyForAuth(this.#options.db, kid);
    if (key && !key.revoked) cache?.set(key, generation);
    return key;
  }

  #cryptoKey(key: ApiKeyForAuth): Promise<CryptoKey | Uint8Array> {
    const cacheKey = `${key.id}:${String(key.publicJwk.x)}`;
    let imported = this.#cryptoKeys.get(cacheKey);
    if (!imported) {
      if (this.#cryptoKeys.size > 10_000) this.#cryptoKeys.clear();
      imported = importJWK(key.publicJwk, key.alg);
      this.#cryptoKeys.set(cacheKey, imported);
    }
    return imported;
  }

  /** last_used_at is advisory: updated at most once a minute per key, off the request path. */
  #touch(key: ApiKeyForAuth): void {
    const last = this.#touched.get(key.id) ?? key.lastUsedAt?.getTime() ?? 0;
    if (Date.now() - last < TOUCH_INTERVAL_MS) return;
    this.#touched.set(key.id, Date.now());
    touchApiKey(this.#options.db, key.id).catch((error: unknown) =>
      this.#options.logger.warn({ err: error, key_id: key.id }, 'could not record api key use'),
    );
  }
}
