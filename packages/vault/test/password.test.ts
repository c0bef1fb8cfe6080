import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/index.ts';

describe('password hashing', () => {
  it('produces argon2id PHC strings with the OWASP parameters', async () => {
    const stored = await hashPassword('s3cret-pässword');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, 's3cret-pässword')).toBe(true);
    expect(await verifyPassword(stored, 's3cret-password')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('answers false, not an exception, for a malformed stored hash', async () => {
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
  });
});
