import type { JWK } from 'jose';

export type ApiKeyAlgorithm = 'ES256' | 'EdDSA';

/** What `paymux api-key create` prints. */
export interface ApiKeyFile {
  readonly id: string;
  readonly alg?: string;
  readonly private_jwk: JWK;
}

/** A private JWK, its JSON, or the whole `paymux api-key create` output (object or JSON). */
export type PrivateKeyInput = JWK | ApiKeyFile | string;

export interface ApiKey {
  readonly keyId: string;
  readonly alg: ApiKeyAlgorithm;
  readonly jwk: JWK;
}

const invalid = (detail: string) => new TypeError(`Paymux: invalid privateKey: ${detail}`);

function algForKey(jwk: JWK): ApiKeyAlgorithm | undefined {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

/**
 * Reads an API key from any of the forms a tenant has at hand. Checked synchronously so
 * a misconfigured client fails at construction, not on its first request.
 */
export function parseApiKey(input: PrivateKeyInput, keyId?: string): ApiKey {
  let value: unknown = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw invalid('a string must be the JSON of a private JWK or of `paymux api-key create` output');
    }
  }
  if (typeof value !== 'object' || value === null) throw invalid('expected a JWK object');
  const record = value as Partial<ApiKeyFile> & JWK;
  const isFile = typeof record.private_jwk === 'object' && record.private_jwk !== null;
  const jwk: JWK = isFile ? (record.private_jwk as JWK) : record;

  if (typeof jwk.d !== 'string' || jwk.d.length === 0) {
    throw invalid('this is not a private key (no "d"); use the private_jwk from `paymux api-key create`');
  }
  const alg = algForKey(jwk);
  if (!alg) throw invalid('only EC P-256 (ES256) and OKP Ed25519 (EdDSA) keys are supported');
  for (const declared of [jwk.alg, isFile ? record.alg : undefined]) {
    if (declared !== undefined && declared !== alg) {
      throw invalid(`the key is ${alg} but declares alg ${String(declared)}`);
    }
  }

  const id = keyId ?? (isFile && typeof record.id === 'string' ? record.id : jwk.kid);
  if (typeof id !== 'string' || id.length === 0) {
    throw new TypeError('Paymux: keyId is required (or pass the whole `paymux api-key create` output)');
  }
  return { keyId: id, alg, jwk };
}
