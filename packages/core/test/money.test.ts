import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPaymuxError } from '../src/errors.ts';
import {
  addMoney,
  compareMoney,
  formatYuan,
  MAX_FEN,
  money,
  parseFen,
  parseYuan,
  subtractMoney,
} from '../src/money.ts';

function expectInvalidAmount(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(isPaymuxError(error) && error.code).toBe('invalid_amount');
    return;
  }
  throw new Error('expected invalid_amount to be thrown');
}

// Strings built from the characters that matter to a number parser, so the
// generator often lands near (and on) valid amounts.
const nearAmount = fc.string({
  unit: fc.constantFrom(...'0123456789.-+e ,xN_'),
  maxLength: 24,
});

describe('money', () => {
  it('accepts bigint and safe integer numbers', () => {
    expect(money(100)).toEqual({ amount: 100n, currency: 'CNY' });
    expect(money(-5n, 'CNY')).toEqual({ amount: -5n, currency: 'CNY' });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(money(1))).toBe(true);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects the number %s', (n) => {
    expectInvalidAmount(() => money(n));
  });

  it('rejects a value a JavaScript caller sneaks past the types', () => {
    expectInvalidAmount(() => money('100' as unknown as number));
    expectInvalidAmount(() => money(1, 'USD' as unknown as 'CNY'));
  });

  it('rejects amounts beyond PostgreSQL bigint', () => {
    expect(money(MAX_FEN).amount).toBe(MAX_FEN);
    expectInvalidAmount(() => money(MAX_FEN + 1n));
    expectInvalidAmount(() => money(-MAX_FEN - 1n));
  });
});

describe('parseYuan', () => {
  it.each([
    ['0.01', 1n],
    ['1', 100n],
    ['1.5', 150n],
    ['0', 0n],
    ['0.00', 0n],
    ['0.10', 10n],
    ['12.34', 1234n],
    ['100000000.00', 10_000_000_000n],
    ['92233720368547758.07', MAX_FEN],
  ])('parses %s as %s fen', (input, fen) => {
    expect(parseYuan(input)).toBe(fen);
  });

  it.each([
    '1.001',
    '-0',
    '-0.00',
    '-0.0',
    '1e3',
    ' 1',
    '1 ',
    '01',
    '00',
    '00.5',
    '.5',
    '1.',
    '+1',
    '',
    'NaN',
    'Infinity',
    '1,000',
    '1,5',
    '0x10',
    '1_000',
    '１',
    '1.5\n',
    '--1',
    '92233720368547758.08',
    '999999999999999999',
  ])('rejects %j', (input) => {
    expectInvalidAmount(() => parseYuan(input, { allowNegative: true }));
  });

  it('accepts negative amounts only when allowed', () => {
    expectInvalidAmount(() => parseYuan('-1.50'));
    expect(parseYuan('-1.50', { allowNegative: true })).toBe(-150n);
    expect(parseYuan('-0.01', { allowNegative: true })).toBe(-1n);
  });

  it('rejects non-strings', () => {
    expectInvalidAmount(() => parseYuan(1 as unknown as string));
  });

  it('truncates the input it echoes in the error detail', () => {
    try {
      parseYuan('9'.repeat(10_000));
    } catch (error) {
      expect(isPaymuxError(error) && error.detail.length).toBeLessThan(100);
      return;
    }
    throw new Error('expected a throw');
  });

  it('round-trips formatYuan for every in-range bigint', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -MAX_FEN, max: MAX_FEN }), (fen) => {
        expect(parseYuan(formatYuan(fen), { allowNegative: true })).toBe(fen);
      }),
      { numRuns: 2000 },
    );
  });

  it('never reads a string differently from Number()', () => {
    fc.assert(
      fc.property(nearAmount, (s) => {
        let fen: bigint;
        try {
          fen = parseYuan(s, { allowNegative: true });
        } catch {
          return;
        }
        const n = Number(s);
        expect(Number.isFinite(n)).toBe(true);
        expect(Object.is(n, -0)).toBe(false);
        // Number() rounds correctly, so equal decimals give equal doubles.
        expect(Number(formatYuan(fen))).toBe(n);
        if (fen <= 2n ** 50n && fen >= -(2n ** 50n)) {
          expect(Math.round(n * 100)).toBe(Number(fen));
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('either throws or round-trips on garbage', () => {
    fc.assert(
      fc.property(fc.oneof(nearAmount, fc.string()), fc.boolean(), (s, neg) => {
        let fen: bigint;
        try {
          fen = parseYuan(s, { allowNegative: neg });
        } catch (error) {
          expect(isPaymuxError(error) && error.code).toBe('invalid_amount');
          return;
        }
        if (!neg) expect(fen >= 0n).toBe(true);
        const formatted = formatYuan(fen);
        // The only difference allowed is padding to two decimals.
        expect(formatted.startsWith(s)).toBe(true);
        expect(['', '0', '.00']).toContain(formatted.slice(s.length));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('formatYuan', () => {
  it.each([
    [0n, '0.00'],
    [1n, '0.01'],
    [10n, '0.10'],
    [100n, '1.00'],
    [-150n, '-1.50'],
    [-1n, '-0.01'],
    [123456789n, '1234567.89'],
  ])('formats %s as %s', (fen, text) => {
    expect(formatYuan(fen)).toBe(text);
  });

  it('rejects a number', () => {
    expectInvalidAmount(() => formatYuan(150 as unknown as bigint));
  });
});

describe('parseFen', () => {
  it('accepts safe non-negative integers', () => {
    expect(parseFen(0)).toBe(0n);
    expect(parseFen(100)).toBe(100n);
    expect(parseFen(Number.MAX_SAFE_INTEGER)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(parseFen(5n)).toBe(5n);
  });

  it.each([-1, 1.5, 2 ** 53, Number.NaN, '100', null, undefined, {}, -1n, 2n ** 60n])(
    'rejects %s',
    (value) => {
      expectInvalidAmount(() => parseFen(value));
    },
  );
});

describe('money arithmetic', () => {
  it('adds, subtracts and compares', () => {
    expect(addMoney(money(150), money(50))).toEqual(money(200));
    expect(subtractMoney(money(50), money(150))).toEqual(money(-100));
    expect(compareMoney(money(1), money(2))).toBe(-1);
    expect(compareMoney(money(2), money(2))).toBe(0);
    expect(compareMoney(money(3), money(2))).toBe(1);
  });

  it('refuses mixed currencies', () => {
    const usd = { amount: 1n, currency: 'USD' } as unknown as ReturnType<typeof money>;
    expectInvalidAmount(() => addMoney(money(1), usd));
    expectInvalidAmount(() => subtractMoney(money(1), usd));
    expectInvalidAmount(() => compareMoney(money(1), usd));
  });

  it('refuses overflow past PostgreSQL bigint', () => {
    expectInvalidAmount(() => addMoney(money(MAX_FEN), money(1)));
    expectInvalidAmount(() => subtractMoney(money(-MAX_FEN), money(1)));
  });

  it('agrees with bigint arithmetic', () => {
    const amount = fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n });
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        expect(addMoney(money(a), money(b)).amount).toBe(a + b);
        expect(subtractMoney(money(a), money(b)).amount).toBe(a - b);
        expect(compareMoney(money(a), money(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });
});
