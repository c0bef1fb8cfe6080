import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (DESIGN.md): m = 19 MiB, t = 2, p = 1.
// `algorithm: 2` is Algorithm.Argon2id (a const enum, which type stripping cannot read).
const PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// Each hash holds 19 MiB; cap how many run at once so a burst of logins cannot
// exhaust memory (19 MiB × 50 ≈ 1 GB otherwise).
const MAX_CONCURRENT = 4;
let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await fn();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/**
 * Hashes a password with argon2id into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
 *
 * @example
 * const stored = await hashPassword('correct horse battery staple');
 * await verifyPassword(stored, 'correct horse battery staple'); // true
 */
export async function hashPassword(password: string): Promise<string> {
  return await limited(() => hash(password, PARAMS));
}

/** Constant-time verification against a stored PHC string; false on any mismatch or malformed hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await limited(() => verify(stored, password));
  } catch {
    return false;
  }
}
