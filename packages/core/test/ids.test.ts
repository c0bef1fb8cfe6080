import { describe, expect, it } from 'vitest';
import { isPaymuxError } from '../src/errors.ts';
import { createIdGenerator, ID_PREFIXES, idTimestamp, isId, newId } from '../src/ids.ts';

const FORMAT = /^[a-z]{3}_[0-7][0-9a-hjkmnp-tv-z]{25}$/;

describe('newId', () => {
  it('has the format <prefix>_<26 lowercase Crockford base32 chars>', () => {
    for (const prefix of ID_PREFIXES) {
      const id = newId(prefix);
      expect(id).toMatch(FORMAT);
      expect(id.startsWith(`${prefix}_`)).toBe(true);
      expect(id).toHaveLength(30);
    }
  });

  it('sorts in creation order across 10k ids made in a tight loop', () => {
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(newId('evt'));
    expect(new Set(ids).size).toBe(ids.length);
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
  });

  it('stays sorted when the clock stands still or steps back', () => {
    const times = [1000, 1000, 1000, 999, 500, 1000, 1001];
    const next = createIdGenerator({ now: () => times.shift() ?? 2000 });
    const ids = Array.from({ length: 8 }, () => next('pay'));
    expect([...ids].sort()).toEqual(ids);
    expect(idTimestamp(ids[4] ?? '').getTime()).toBe(1000);
    expect(idTimestamp(ids[6] ?? '').getTime()).toBe(1001);
  });

  it('moves to the next millisecond when the random part would overflow', () => {
    // All-ones randomness starts the first id at the top of the 80-bit space.
    const next = createIdGenerator({
      now: () => 5,
      randomBytes: (n) => new Uint8Array(n).fill(0xff),
    });
    const first = next('pay');
    const second = next('pay');
    expect(first.endsWith('zzzzzzzzzzzzzzzz')).toBe(true);
    expect(second > first).toBe(true);
    expect(idTimestamp(second).getTime()).toBe(6);
  });

  it('encodes the creation time', () => {
    const next = createIdGenerator({ now: () => 1_700_000_000_123 });
    const id = next('tnt');
    expect(idTimestamp(id).toISOString()).toBe('2023-11-14T22:13:20.123Z');
    const before = Date.now();
    const ms = idTimestamp(newId('req')).getTime();
    expect(ms).toBeGreaterThanOrEqual(before - 1);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });

  it('encodes the largest 48-bit timestamp and refuses beyond it', () => {
    const max = 2 ** 48 - 1;
    expect(idTimestamp(createIdGenerator({ now: () => max })('pay'))).toEqual(new Date(max));
    expect(() => createIdGenerator({ now: () => max + 1 })('pay')).toThrow();
    expect(() => createIdGenerator({ now: () => -1 })('pay')).toThrow();
  });

  it('refuses an unknown prefix', () => {
    expect(() => newId('xxx' as 'pay')).toThrow(/Unknown id prefix/);
  });
});

describe('isId', () => {
  const id = newId('pay');

  it('accepts a well-formed id of the right kind', () => {
    expect(isId('pay', id)).toBe(true);
  });

  it.each([
    ['wrong prefix', id.replace(/^pay/, 'rfd')],
    ['no prefix', id.slice(4)],
    ['too short', id.slice(0, -1)],
    ['too long', `${id}0`],
    ['uppercase', id.toUpperCase()],
    ['uppercase body', `pay_${id.slice(4).toUpperCase()}`],
    ['excluded letter', `${id.slice(0, -1)}u`],
    ['first char over 7', `pay_8${id.slice(5)}`],
    ['trailing newline', `${id}\n`],
    ['sql injection', `${id.slice(0, 10)}' OR 1=1--`],
    ['path traversal', 'pay_../../../../etc/passwd00'],
    ['empty', ''],
    ['double underscore', `pay__${id.slice(5)}`],
  ])('rejects %s', (_, value) => {
    expect(isId('pay', value)).toBe(false);
  });

  it('rejects non-strings and unknown prefixes', () => {
    expect(isId('pay', 42)).toBe(false);
    expect(isId('pay', null)).toBe(false);
    expect(isId('pay', [id])).toBe(false);
    expect(isId('zzz' as 'pay', `zzz_${id.slice(4)}`)).toBe(false);
  });
});

describe('idTimestamp', () => {
  it('rejects something that is not an id', () => {
    try {
      idTimestamp('pay_nope');
    } catch (error) {
      expect(isPaymuxError(error) && error.code).toBe('invalid_request');
      return;
    }
    throw new Error('expected a throw');
  });
});
