import { describeInput } from './describe-input.ts';
import { PaymuxError } from './errors.ts';

/** What an API key may do. */
export const SCOPES = [
  'payments:read',
  'payments:write',
  'refunds:read',
  'refunds:write',
  'merchant_accounts:write',
  'webhooks:manage',
  'reports:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Every scope; the default for a new key. */
export const ALL_SCOPES: readonly Scope[] = SCOPES;

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/**
 * Parses a comma-separated scope list (CLI `--scopes`, stored column).
 * Whitespace around names is ignored and duplicates collapse; an empty entry
 * or unknown name throws `validation_failed` naming it.
 *
 * @example
 * parseScopes("payments:read, refunds:read"); // ["payments:read", "refunds:read"]
 */
export function parseScopes(csv: string): Scope[] {
  const fail = (message: string): PaymuxError =>
    new PaymuxError('validation_failed', message, {
      fields: [{ path: 'scopes', message }],
    });
  if (typeof csv !== 'string') {
    throw fail(`Scopes must be a string, got ${describeInput(csv)}.`);
  }
  const scopes: Scope[] = [];
  for (const raw of csv.split(',')) {
    const name = raw.trim();
    if (name === '') throw fail('Empty scope in list.');
    if (!isScope(name)) {
      throw fail(`Unknown scope ${describeInput(name)}; expected one of ${SCOPES.join(', ')}.`);
    }
    if (!scopes.includes(name)) scopes.push(name);
  }
  return scopes;
}
