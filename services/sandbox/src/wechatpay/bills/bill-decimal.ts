// Bill amounts are decimal strings: yuan with 2 decimals, fees with 5. Parsed to integer
// units at a fixed scale, never through floating point.

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** "1.50" at scale 2 → 150n; "-0.02000" at scale 5 → -2000n; undefined for anything else or too many decimals. */
export function parseDecimal(value: string, scale: number): bigint | undefined {
  const match = DECIMAL.exec(value.trim());
  if (!match) return undefined;
  const [, minus, whole = '0', fraction = ''] = match;
  if (fraction.length > scale) return undefined;
  const units = BigInt(whole) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0');
  return minus ? -units : units;
}

/** 150n at scale 2 → "1.50"; -2000n at scale 5 → "-0.02000"; zero never carries a sign. */
export function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const factor = 10n ** BigInt(scale);
  const fraction = (abs % factor).toString().padStart(scale, '0');
  return `${negative ? '-' : ''}${abs / factor}${scale > 0 ? `.${fraction}` : ''}`;
}
