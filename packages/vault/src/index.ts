/**
 * @paymux/vault: secrets at rest. Envelope encryption (a random data key per record,
 * AES-256-GCM, bound to tenant, table, record and purpose; the data key wrapped by a
 * master key behind `KeyProvider`), the `Secret<T>` type, and argon2id passwords.
 *
 * @example
 * const provider = new LocalKeyProvider([masterKey]);
 * const envelope = await sealSecret(provider, Buffer.from(pem), { tenantId, table: 'merchant_accounts', recordId, purpose: 'credentials' });
 * const pem2 = await openSecret(provider, envelope, sameContext);
 */
export {
  contextString,
  type Envelope,
  openSecret,
  rewrapEnvelope,
  type SecretContext,
  sealSecret,
} from './envelope.ts';
export { type KeyProvider, VaultError } from './key-provider.ts';
export {
  addDevelopmentMasterKey,
  DEV_KEYRING_FILE,
  KeyringFileProvider,
  type OpenedKeyring,
  openKeyring,
} from './keyring.ts';
export { LocalKeyProvider, localKeyId } from './local-key-provider.ts';
export { hashPassword, verifyPassword } from './password.ts';
export { isSecret, Secret } from './secret.ts';
