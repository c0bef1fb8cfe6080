import { yuanToFen } from '../money.ts';
import { type AlipayFailure, acq } from './failure.ts';

const MIN_FEN = 1n; // 0.01
const MAX_FEN = 10_000_000_000n; // 100000000.00

/**
 * Reads an Alipay amount (a yuan string with at most two decimals, 0.01–100000000).
 * JSON numbers are accepted as their decimal text, as Alipay's deserialiser does.
 */
export function parseAmount(field: string, value: unknown): { fen: bigint } | { failure: AlipayFailure } {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const fen = yuanToFen(text);
  if (fen === undefined || fen < MIN_FEN) return { failure: acq.invalidParameter(field) };
  if (fen > MAX_FEN) return { failure: acq.totalFeeExceed() };
  return { fen };
}
