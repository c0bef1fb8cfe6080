import { isPaymuxError, PaymuxError, toProblem } from '@paymux/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import type { AppEnv } from '../deps.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Renders a PaymuxError as application/problem+json. */
export function problemResponse(c: Context<AppEnv>, error: PaymuxError): Response {
  const body = toProblem(error, c.get('requestId') ?? 'unknown');
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, ...(error.headers ?? {}) };
  return c.body(JSON.stringify(body), error.status as ContentfulStatusCode, headers);
}

/** Maps anything thrown to one PaymuxError; unknown errors become internal_error (and are logged). */
export function normalizeError(error: unknown, logger: Logger, requestId: string | undefined): PaymuxError {
  if (isPaymuxError(error)) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400) return new PaymuxError('invalid_json', 'The request body is not valid JSON.');
    if (error.status === 413) return new PaymuxError('payload_too_large', 'The request body is too large.');
    if (error.status === 415) return new PaymuxError('unsupported_media_type', error.message);
    if (error.status < 500) return new PaymuxError('invalid_request', error.message || 'Invalid request.');
  }
  logger.error({ err: error, request_id: requestId }, 'unhandled error');
  return new PaymuxError('internal_error', 'An internal error occurred; it has been logged.');
}
