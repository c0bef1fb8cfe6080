import { readFile } from 'node:fs/promises';
import { isId } from '@paymux/core';
import { importJWK, type JWK, SignJWT } from 'jose';
import { CliError, type Command, writeLine } from '../command.ts';

const MAX_TTL_S = 300;

/** Accepts what `api-key create` prints ({id, private_jwk}) or a bare private JWK with a kid. */
function readKey(parsed: unknown): { kid: string; jwk: JWK; alg: 'ES256' | 'EdDSA' } {
  const record = parsed as { id?: unknown; private_jwk?: JWK } & JWK;
  const jwk: JWK = record.private_jwk ?? record;
  const kid = typeof record.id === 'string' && record.private_jwk ? record.id : jwk.kid;
  if (!isId('key', kid))
    throw new CliError('the key file has no API key id (expected "id" or a JWK "kid": key_…)');
  if (typeof jwk.d !== 'string') throw new CliError('the key file holds no private key ("d")');
  const alg = jwk.kty === 'OKP' ? 'EdDSA' : 'ES256';
  return { kid, jwk, alg };
}

export const tokenCommand: Command = {
  path: ['token'],
  summary: 'Mint a short-lived API token from a key file',
  help: `Usage: paymux token --key FILE [--ttl SECONDS] [--audience AUD]

Signs a JWT with the private key in FILE (the JSON printed by \`paymux api-key create\`)
and prints it, for use as "Authorization: Bearer <token>". Needs no database.

Options:
  --key FILE         the key file
  --ttl SECONDS      lifetime, at most 300 (default 300)
  --audience AUD     the "aud" claim (default PAYMUX_JWT_AUDIENCE, i.e. "paymux")

Example:
  curl -H "Authorization: Bearer $(paymux token --key key.json)" http://localhost:4000/v1/whoami`,
  options: {
    key: { type: 'string' },
    ttl: { type: 'string' },
    audience: { type: 'string' },
  },
  async run({ values, config, io }) {
    if (typeof values.key !== 'string') throw new CliError('--key is required');
    const ttl = values.ttl === undefined ? MAX_TTL_S : Number(values.ttl);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_S) {
      throw new CliError(`--ttl must be a whole number of seconds between 1 and ${MAX_TTL_S}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(values.key, 'utf8'));
    } catch (error) {
      throw new CliError(`cannot read key file ${values.key}: ${(error as Error).message}`);
    }
    const { kid, jwk, alg } = readKey(parsed);
    const audience = typeof values.audience === 'string' ? values.audience : config().jwtAudience;
    let privateKey: Awaited<ReturnType<typeof importJWK>>;
    try {
      privateKey = await importJWK(jwk, alg);
    } catch (error) {
      throw new CliError(`the key file's private key is not usable: ${(error as Error).message}`);
    }
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .sign(privateKey);
    writeLine(io.stdout, token);
    return 0;
  },
};
