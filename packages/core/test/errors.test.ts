import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  isErrorCode,
  isPaymuxError,
  PaymuxError,
  paymuxError,
  toPaymuxError,
  toProblem,
} from '../src/errors.ts';

describe('PaymuxError', () => {
  it('takes status and retryable from the catalog', () => {
    const error = paymuxError('provider_unavailable', 'WeChat Pay timed out');
    expect(error).toBeInstanceOf(PaymuxError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PaymuxError');
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(error.detail).toBe('WeChat Pay timed out');
    expect(error.message).toBe('WeChat Pay timed out');
  });

  it('carries cause, fields, headers and a retryable override', () => {
    const cause = new Error('ECONNRESET');
    const error = paymuxError('rate_limited', 'Slow down', {
      cause,
      headers: { 'Retry-After': '2' },
      fields: [{ path: 'amount', message: 'too big' }],
      retryable: false,
    });
    expect(error.cause).toBe(cause);
    expect(error.headers).toEqual({ 'Retry-After': '2' });
    expect(error.fields).toEqual([{ path: 'amount', message: 'too big' }]);
    expect(error.retryable).toBe(false);
  });

  it('has the statuses the API contract names', () => {
    const expected: Record<string, number> = {
      invalid_request: 400,
      invalid_json: 400,
      validation_failed: 400,
      invalid_amount: 400,
      unauthenticated: 401,
      invalid_token: 401,
      insufficient_scope: 403,
      forbidden: 403,
      not_found: 404,
      method_not_allowed: 405,
      conflict: 409,
      email_taken: 409,
      idempotency_key_in_use: 409,
      illegal_transition: 409,
      idempotency_key_reused: 422,
      payload_too_large: 413,
      unsupported_media_type: 415,
      rate_limited: 429,
      internal_error: 500,
      provider_error: 502,
      provider_unavailable: 503,
      service_unavailable: 503,
    };
    for (const [code, status] of Object.entries(expected)) {
      expect(isErrorCode(code)).toBe(true);
      if (isErrorCode(code)) expect(ERROR_CODES[code].status).toBe(status);
    }
    expect(ERROR_CODES.service_unavailable.retryable).toBe(true);
    expect(ERROR_CODES.internal_error.retryable).toBe(false);
  });

  it('recognises codes and errors strictly', () => {
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('nope')).toBe(false);
    expect(isPaymuxError(new Error('x'))).toBe(false);
    expect(isPaymuxError({ code: 'not_found' })).toBe(false);
  });
});

describe('toProblem', () => {
  it('renders problem+json without cause or stack', () => {
    const error = paymuxError('not_found', 'No such payment.', {
      cause: new Error('SELECT * FROM secret'),
    });
    const problem = toProblem(error, 'req_1');
    expect(problem).toEqual({
      type: 'https://docs.paymux.dev/errors/not_found',
      title: 'Not found',
      status: 404,
      detail: 'No such payment.',
      code: 'not_found',
      request_id: 'req_1',
    });
    const json = JSON.stringify(problem);
    expect(json).not.toContain('SELECT');
    expect(json).not.toContain('stack');
  });

  it('lists field errors under errors', () => {
    const error = paymuxError('validation_failed', 'Invalid body.', {
      fields: [{ path: 'amount', message: 'must be positive' }],
    });
    expect(toProblem(error, 'req_2').errors).toEqual([{ path: 'amount', message: 'must be positive' }]);
    expect('errors' in toProblem(paymuxError('validation_failed', 'x'), 'r')).toBe(false);
  });
});

describe('toPaymuxError', () => {
  it('keeps a PaymuxError and hides anything else behind internal_error', () => {
    const known = paymuxError('conflict', 'x');
    expect(toPaymuxError(known)).toBe(known);
    const leaked = new Error('password=hunter2');
    const wrapped = toPaymuxError(leaked);
    expect(wrapped.code).toBe('internal_error');
    expect(wrapped.detail).not.toContain('hunter2');
    expect(wrapped.cause).toBe(leaked);
    expect(JSON.stringify(toProblem(wrapped, 'r'))).not.toContain('hunter2');
  });
});
