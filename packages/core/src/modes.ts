/** Test keys see only test data and route only to the sandbox; live keys the reverse. */
export const MODES = ['test', 'live'] as const;
export type Mode = (typeof MODES)[number];

export function isMode(value: unknown): value is Mode {
  return value === 'test' || value === 'live';
}
