import { type CryptoKey, importJWK, SignJWT } from 'jose';
import type { ApiKey } from './api-key.ts';

/** The API accepts `exp - iat <= 300 s`. */
export const TOKEN_LIFETIME_S = 300;
/** Renew this long before expiry, so a token never expires in flight or on a slightly fast server clock. */
export const TOKEN_RENEW_BEFORE_S = 30;

export interface TokenMinterOptions {
  readonly key: ApiKey;
  readonly audience: string;
  readonly now: () => Date;
}

/**
 * Mints the request JWT (header `kid`, `alg`; claims `aud`, `iat`, `exp = iat + 300`) and
 * reuses it until 30 s before it expires: one signature per ~4.5 minutes, however many calls.
 */
export class TokenMinter {
  readonly #options: TokenMinterOptions;
  #signingKey: Promise<CryptoKey | Uint8Array> | undefined;
  #current: { readonly token: string; readonly exp: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: TokenMinterOptions) {
    this.#options = options;
  }

  /** A valid token: the cached one, or a fresh one (concurrent callers share one signing). */
  token(): Promise<string> {
    const nowS = this.#nowSeconds();
    if (this.#current && nowS < this.#current.exp - TOKEN_RENEW_BEFORE_S) {
      return Promise.resolve(this.#current.token);
    }
    if (!this.#pending) {
      this.#pending = this.#mint(nowS).finally(() => {
        this.#pending = undefined;
      });
    }
    return this.#pending;
  }

  /** Forget the cached token (after a 401), so the next call signs a new one. */
  invalidate(): void {
    this.#current = undefined;
  }

  async #mint(iat: number): Promise<string> {
    const { key, audience } = this.#options;
    this.#signingKey ??= importJWK(key.jwk, key.alg);
    const exp = iat + TOKEN_LIFETIME_S;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: key.alg, kid: key.keyId, typ: 'JWT' })
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await this.#signingKey);
    this.#current = { token, exp };
    return token;
  }

  #nowSeconds(): number {
    return Math.floor(this.#options.now().getTime() / 1000);
  }
}
