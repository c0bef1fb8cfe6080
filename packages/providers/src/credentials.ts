import type { FieldError } from '@paymux/core';

/** The result of validating credentials a tenant submitted. */
export interface ValidatedCredentials<T> {
  /** Normalised credentials to seal in the vault (keys as PKCS#8 / SPKI PEM). */
  readonly secret: T;
  /** Public identifiers shown in responses (mchid, app_id, serials). */
  readonly identifiers: Record<string, string | string[]>;
  /** Public fingerprints of every key, never the keys. */
  readonly fingerprints: Record<string, string>;
  /** The earliest certificate expiry among the credentials, if any certificate was given. */
  readonly certificateExpiresAt: Date | null;
}

export type CredentialCheck<T> =
  | { readonly ok: true; readonly value: ValidatedCredentials<T> }
  | { readonly ok: false; readonly fields: FieldError[] };
