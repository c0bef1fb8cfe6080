/**
 * Wraps and unwraps per-record data keys with a master key (a KEK) that never leaves
 * the provider. The local provider keeps master keys in memory; a KMS provider (AWS KMS,
 * Alibaba Cloud KMS, Vault Transit) implements the same three calls against the service,
 * passing `context` as its encryption context. See docs/adr/0006-envelope-encryption.md.
 */
export interface KeyProvider {
  /** The master key new data keys are wrapped with, e.g. `local:3f9a1c2b7d4e8f01`. */
  readonly activeKeyId: string;
  /** Wraps a data key under the active master key, bound to `context`. */
  wrap(dataKey: Buffer, context: string): Promise<{ keyId: string; wrapped: Buffer }>;
  /** Unwraps a data key wrapped under `keyId`; throws if the key is unknown or the context differs. */
  unwrap(wrapped: Buffer, keyId: string, context: string): Promise<Buffer>;
  /** Whether this provider can unwrap data keys wrapped under `keyId`. */
  canUnwrap(keyId: string): boolean;
}

/** Raised when a secret cannot be decrypted: wrong record, wrong tenant, tampering or unknown master key. */
export class VaultError extends Error {
  override readonly name = 'VaultError';
}
