// The sandbox charges every merchant WeChat's standard 0.6% rate, rounded half up to
// the fen (a 6.00 yuan order pays 0.04, a 0.01 yuan order nothing), and refunds the fee
// in proportion, as WeChat does.

export const FEE_RATE_LABEL = '0.60%';

/** The fee on an amount, in fen. */
export function feeFen(amountFen: bigint): bigint {
  return (amountFen * 6n + 500n) / 1000n;
}
