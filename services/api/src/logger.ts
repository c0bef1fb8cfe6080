import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Keys whose values never reach a log line, compared case-insensitively at any depth
 * (an SDK error's `config.headers.Authorization` included). This is the backstop for a
 * careless `log.info({ input })`, not a license to log secrets.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'password_hash',
  'secret',
  'token',
  'private_jwk',
  'private_key',
  'privatekey',
  'credentials',
  'apiv3_key',
  'merchant_private_key',
  'app_private_key',
  'master_key',
]);

const CENSOR = '[redacted]';
const MAX_DEPTH = 10;

/** A copy of `value` with every secret-named key censored, at any depth; cycles are cut. */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[depth limit]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: value.message, stack: value.stack };
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.has(k.toLowerCase()) ? CENSOR : redactSecrets(v, depth + 1, seen);
    }
    if (value.cause !== undefined) out.cause = redactSecrets(value.cause, depth + 1, seen);
    return out;
  }
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.has(k.toLowerCase()) ? CENSOR : redactSecrets(v, depth + 1, seen);
  }
  return out;
}

/** JSON logs on stdout (or the given stream), with secret-bearing fields redacted at any depth. */
export function createLogger(options: { level?: string; stream?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'paymux' },
      // Errors are redacted by the formatter below like any other object.
      serializers: { err: (error: unknown) => error },
      formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.stream,
  );
}
