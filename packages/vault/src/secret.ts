import { inspect } from 'node:util';

const REDACTED = '[secret]';

/**
 * A value that must never be printed: its string, JSON and inspect forms are redacted,
 * so a secret that slips into a log line, an error message or a response body shows as
 * `[secret]`. Read it deliberately with `expose()`.
 *
 * @example
 * const key = new Secret(pem);
 * `${key}`            // "[secret]"
 * JSON.stringify({ key }) // '{"key":"[secret]"}'
 * sign(key.expose(), data);
 */
export class Secret<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The secret itself. Every call site is a place a secret is used; keep them few. */
  expose(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }

  get [Symbol.toStringTag](): string {
    return 'Secret';
  }
}

export function isSecret(value: unknown): value is Secret<unknown> {
  return value instanceof Secret;
}
