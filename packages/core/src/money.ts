import { describeInput } from './describe-input.ts';
import { PaymuxError } from './errors.ts';

export const CURRENCIES = ['CNY'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** An amount in minor units (fen for CNY) with its currency. */
export interface Money {
  readonly amount: bigint;
  readonly currency: Currency;
}

/**
 * Largest magnitude we accept: PostgreSQL `bigint`, where amounts are stored.
 * Symmetric so negating a valid amount is always valid.
 */
export const MAX_FEN = 9_223_372_036_854_775_807n;

// Integer part capped at 17 digits (MAX_FEN in yuan has 17) so a hostile
// string never reaches BigInt(); the exact bound is checked after parsing.
const YUAN_PATTERN = /^(-)?(0|[1-9][0-9]{0,16})(?:\.([0-9]{1,2}))?$/;

function invalid(detail: string): PaymuxError {
  return new PaymuxError('invalid_amount', detail);
}

function checkRange(amount: bigint, what: string): bigint {
  if (amount > MAX_FEN || amount < -MAX_FEN) {
    throw invalid(`${what} is out of range.`);
  }
  return amount;
}

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

/**
 * Builds a Money value. A number amount must be a safe integer (minor units),
 * never a yuan fraction.
 *
 * @example
 * money(100);        // ¥1.00
 * money(150n, "CNY"); // ¥1.50
 */
export function money(amount: bigint | number, currency: Currency = 'CNY'): Money {
  let minor: bigint;
  if (typeof amount === 'bigint') {
    minor = amount;
  } else if (typeof amount === 'number' && Number.isSafeInteger(amount)) {
    minor = BigInt(amount);
  } else {
    throw invalid(`Amount must be an integer number of minor units, got ${describeInput(amount)}.`);
  }
  if (!isCurrency(currency)) {
    throw invalid(`Unsupported currency ${describeInput(currency)}.`);
  }
  checkRange(minor, 'Amount');
  return Object.freeze({ amount: minor, currency });
}

/**
 * Parses a yuan decimal string (as Alipay and bill files send it) into fen,
 * exactly, without floating point. Only the canonical form is accepted: no
 * signs other than a leading `-` (and only with `allowNegative`), no leading
 * zeros, no exponent, no whitespace, no thousands separators, at most two
 * decimals, and never negative zero.
 *
 * @example
 * parseYuan("0.01"); // 1n
 * parseYuan("1.5");  // 150n
 * parseYuan("-1.50", { allowNegative: true }); // -150n
 */
export function parseYuan(s: string, opts: { allowNegative?: boolean } = {}): bigint {
  if (typeof s !== 'string') {
    throw invalid(`Yuan amount must be a string, got ${describeInput(s)}.`);
  }
  const match = YUAN_PATTERN.exec(s);
  if (match === null) {
    throw invalid(`${describeInput(s)} is not a valid yuan amount.`);
  }
  const [, minus, whole = '0', fraction = ''] = match;
  const fen = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  if (minus !== undefined) {
    if (fen === 0n) {
      throw invalid(`${describeInput(s)} is a negative zero.`);
    }
    if (opts.allowNegative !== true) {
      throw invalid(`${describeInput(s)} is negative; negative amounts are not allowed here.`);
    }
  }
  return checkRange(minus === undefined ? fen : -fen, describeInput(s));
}

/**
 * Formats fen as a yuan string with exactly two decimals.
 *
 * @example
 * formatYuan(1n);    // "0.01"
 * formatYuan(-150n); // "-1.50"
 */
export function formatYuan(fen: bigint): string {
  if (typeof fen !== 'bigint') {
    throw invalid(`Expected a bigint amount, got ${describeInput(fen)}.`);
  }
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const whole = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${cents}`;
}

/**
 * Reads an integer amount in fen from provider JSON (WeChat Pay's `total`,
 * `refund`, ...). Only safe non-negative integers pass: a float, a string or
 * a value beyond 2^53 means the payload is not what we think it is.
 *
 * @example
 * parseFen(JSON.parse('{"total":100}').total); // 100n
 */
export function parseFen(value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return BigInt(value);
  }
  if (typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return value;
  }
  throw invalid(`Expected a non-negative integer amount in fen, got ${describeInput(value)}.`);
}

function sameCurrency(a: Money, b: Money): Currency {
  if (a.currency !== b.currency) {
    throw invalid(`Currency mismatch: ${a.currency} and ${b.currency}.`);
  }
  return a.currency;
}

/** `a + b`; throws `invalid_amount` on mixed currencies or overflow. */
export function addMoney(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b);
  return money(checkRange(a.amount + b.amount, 'Sum'), currency);
}

/** `a - b`; may be negative. Throws on mixed currencies or overflow. */
export function subtractMoney(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b);
  return money(checkRange(a.amount - b.amount, 'Difference'), currency);
}

/** -1, 0 or 1, for sorting; throws on mixed currencies. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  if (a.amount < b.amount) return -1;
  if (a.amount > b.amount) return 1;
  return 0;
}
