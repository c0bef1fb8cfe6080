// WeChat Pay v3 writes every instant as RFC 3339 in Beijing time: 2024-06-01T12:00:05+08:00.

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** An instant as `yyyy-MM-ddTHH:mm:ss+08:00` (seconds precision, as WeChat sends). */
export function rfc3339Shanghai(instant: Date): string {
  return `${new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp with an explicit offset (WeChat rejects local times); undefined otherwise. */
export function parseRfc3339(value: string): Date | undefined {
  if (!RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Unix seconds, the unit of Wechatpay-Timestamp and the Authorization timestamp. */
export function unixSeconds(instant: Date): number {
  return Math.floor(instant.getTime() / 1000);
}
