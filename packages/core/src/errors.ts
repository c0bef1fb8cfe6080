interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  readonly retryable: boolean;
}

/**
 * Every stable error code Paymux can answer with. Codes are part of the public
 * contract (clients branch on them), so entries are only ever added, never renamed.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, title: 'Invalid request', retryable: false },
  invalid_json: { status: 400, title: 'Invalid JSON', retryable: false },
  validation_failed: {
    status: 400,
    title: 'Validation failed',
    retryable: false,
  },
  invalid_amount: { status: 400, title: 'Invalid amount', retryable: false },
  unauthenticated: { status: 401, title: 'Unauthenticated', retryable: false },
  invalid_token: { status: 401, title: 'Invalid token', retryable: false },
  insufficient_scope: {
    status: 403,
    title: 'Insufficient scope',
    retryable: false,
  },
  forbidden: { status: 403, title: 'Forbidden', retryable: false },
  not_found: { status: 404, title: 'Not found', retryable: false },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    retryable: false,
  },
  conflict: { status: 409, title: 'Conflict', retryable: false },
  email_taken: { status: 409, title: 'Email already taken', retryable: false },
  // A concurrent request holds the key; the client may retry once it finishes.
  idempotency_key_in_use: {
    status: 409,
    title: 'Idempotency key in use',
    retryable: true,
  },
  illegal_transition: {
    status: 409,
    title: 'Illegal state transition',
    retryable: false,
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    retryable: false,
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    retryable: false,
  },
  idempotency_key_reused: {
    status: 422,
    title: 'Idempotency key reused with a different request',
    retryable: false,
  },
  rate_limited: { status: 429, title: 'Rate limited', retryable: true },
  internal_error: { status: 500, title: 'Internal error', retryable: false },
  provider_error: { status: 502, title: 'Provider error', retryable: false },
  // The provider reported an amount that differs from ours: never applied, always investigated.
  amount_mismatch: { status: 502, title: 'Provider amount mismatch', retryable: false },
  // An inbound provider notification failed verification (signature, timestamp, decryption, ids).
  notification_rejected: { status: 400, title: 'Notification rejected', retryable: false },
  // The provider does not offer this flow for this channel or account.
  unsupported: { status: 422, title: 'Unsupported by the provider', retryable: false },
  // A stored secret could not be decrypted (wrong master key, tampering).
  credentials_unavailable: { status: 500, title: 'Credentials unavailable', retryable: false },
  provider_unavailable: {
    status: 503,
    title: 'Provider unavailable',
    retryable: true,
  },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    retryable: true,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base of the problem `type` URI; `<base><code>` documents each code. */
export const ERROR_TYPE_BASE = 'https://docs.paymux.dev/errors/';

export interface FieldError {
  path: string;
  message: string;
}

export interface PaymuxErrorExtra {
  cause?: unknown;
  fields?: FieldError[];
  headers?: Record<string, string>;
  /** Overrides the catalog default, e.g. a provider error known to be transient. */
  retryable?: boolean;
  /** The provider's own error code (`ORDER_NOT_EXIST`, `ACQ.TRADE_NOT_EXIST`, …) when one caused this. */
  providerCode?: string;
}

/**
 * The one error type of Paymux. Everything that reaches a client is one of
 * these; anything else is rendered as `internal_error`.
 *
 * @example
 * throw new PaymuxError("not_found", "No such payment: pay_01j...");
 */
export class PaymuxError extends Error {
  override readonly name = 'PaymuxError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly retryable: boolean;
  readonly fields?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly providerCode?: string;

  constructor(code: ErrorCode, detail: string, extra: PaymuxErrorExtra = {}) {
    super(detail, extra.cause === undefined ? undefined : { cause: extra.cause });
    const spec: ErrorSpec = ERROR_CODES[code];
    this.code = code;
    this.status = spec.status;
    this.detail = detail;
    this.retryable = extra.retryable ?? spec.retryable;
    if (extra.fields !== undefined) this.fields = extra.fields;
    if (extra.headers !== undefined) this.headers = extra.headers;
    if (extra.providerCode !== undefined) this.providerCode = extra.providerCode;
  }
}

/**
 * Builds a {@link PaymuxError}.
 *
 * @example
 * throw paymuxError("validation_failed", "Invalid body", {
 *   fields: [{ path: "amount", message: "must be positive" }],
 * });
 */
export function paymuxError(code: ErrorCode, detail: string, extra?: PaymuxErrorExtra): PaymuxError {
  return new PaymuxError(code, detail, extra);
}

export function isPaymuxError(error: unknown): error is PaymuxError {
  return error instanceof PaymuxError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/**
 * Normalises anything thrown into a PaymuxError. Unknown errors become a
 * generic `internal_error` so their message (which may hold secrets or SQL)
 * never reaches the client; the original is kept as `cause` for logs.
 */
export function toPaymuxError(error: unknown): PaymuxError {
  if (isPaymuxError(error)) return error;
  return new PaymuxError('internal_error', 'An unexpected error occurred.', {
    cause: error,
  });
}

/** RFC 9457 problem details as Paymux renders them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  request_id: string;
  errors?: FieldError[];
}

/**
 * Renders an error as an `application/problem+json` body. Never includes the
 * cause or stack.
 *
 * @example
 * c.json(toProblem(err, requestId), err.status, err.headers);
 */
export function toProblem(error: PaymuxError, requestId: string): Problem {
  const problem: Problem = {
    type: `${ERROR_TYPE_BASE}${error.code}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    request_id: requestId,
  };
  if (error.fields !== undefined && error.fields.length > 0) {
    problem.errors = error.fields.map((f) => ({
      path: f.path,
      message: f.message,
    }));
  }
  return problem;
}
