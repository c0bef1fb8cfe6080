// The sandbox is a separate "company": it shares no domain code with the platform,
// so it keeps its own tiny amount helpers (integer fen in, exact strings out).

/** 1n → "0.01", 150n → "1.50". */
export function fenToYuan(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

/** "0.01" → 1n; undefined for anything that is not a positive amount with at most two decimals. */
export function yuanToFen(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || !/^(0|[1-9]\d{0,10})(\.\d{1,2})?$/.test(value)) return undefined;
  const [whole = '0', fraction = ''] = value.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}
