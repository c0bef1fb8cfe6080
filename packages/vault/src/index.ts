/**
 * @paymux/vault: secrets at rest. Today: argon2id password hashing. Envelope
 * encryption of merchant credentials and webhook secrets joins it next.
 */
export { hashPassword, verifyPassword } from './password.ts';
