import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino replaces with "[redacted]". Secrets must never reach a log line; this
 * is the backstop for a careless `log.info({ input })`, not a license to log secrets.
 */
export const REDACT_PATHS = [
  'authorization',
  'password',
  'private_jwk',
  'secret',
  'credentials',
  'apiv3_key',
  'merchant_private_key',
  'app_private_key',
  'token',
  '*.authorization',
  '*.password',
  '*.private_jwk',
  '*.secret',
  '*.credentials',
  '*.apiv3_key',
  '*.merchant_private_key',
  '*.app_private_key',
  '*.token',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** JSON logs on stdout (or the given stream), with secret-bearing fields redacted. */
export function createLogger(options: { level?: string; stream?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'paymux' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.stream,
  );
}
