/**
 * JSON with object keys sorted at every level. WeChat Pay's API responses come out in
 * this order (`{"amount":…,"appid":…,"mchid":…}`), and a merchant that verifies the
 * signature over re-serialised JSON instead of the raw bytes only breaks when the order
 * differs, so the sandbox matches it.
 */
export function sortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
