// Both providers speak Beijing time (UTC+8, no daylight saving), whatever the process's
// TZ: WeChat Pay in RFC 3339 with +08:00, Alipay as `yyyy-MM-dd HH:mm:ss`.

const OFFSET_MS = 8 * 3_600_000;

/** `2026-11-26T20:15:00+08:00` */
export function toRfc3339Shanghai(instant: Date): string {
  return `${new Date(instant.getTime() + OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** `2026-11-26 20:15:00` (Alipay's timestamps and bill times). */
export function toAlipayTime(instant: Date): string {
  return new Date(instant.getTime() + OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses `yyyy-MM-dd HH:mm:ss` as Beijing time; undefined if malformed. */
export function fromAlipayTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value.replace(' ', 'T')}+08:00`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Parses an RFC 3339 timestamp; undefined if malformed. */
export function fromRfc3339(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
