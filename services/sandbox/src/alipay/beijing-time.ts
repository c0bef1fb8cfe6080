// Alipay speaks Beijing time (UTC+8, no daylight saving) on the wire, whatever the
// caller's process time zone: `yyyy-MM-dd HH:mm:ss`.

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Parses `yyyy-MM-dd HH:mm:ss` as Beijing time; undefined when malformed or not a real instant. */
export function parseBeijingDateTime(value: string): Date | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  // Date.UTC rolls 2024-02-31 over to March; Alipay rejects such a timestamp.
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  return new Date(utc - BEIJING_OFFSET_MS);
}

/** `yyyy-MM-dd HH:mm:ss.SSS` in Beijing time (gmt_refund carries milliseconds). */
export function beijingDateTimeMillis(instant: Date): string {
  return new Date(instant.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 23).replace('T', ' ');
}

/** `yyyyMMdd` in Beijing time (trade numbers, bill file names). */
export function beijingCompactDate(instant: Date): string {
  return new Date(instant.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Start of the Beijing day `yyyy-MM-dd` as an instant. */
export function beijingDayStart(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - BEIJING_OFFSET_MS);
}
