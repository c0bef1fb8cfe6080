const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Delay before attempt n (index 0 = the first attempt): 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h,
 * about 27.6 h in all. Svix's schedule: long enough to ride out a consumer's bad night, short enough
 * that a payment notification is not days late.
 */
export const DELIVERY_SCHEDULE_MS: readonly number[] = Object.freeze([
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]);

export const MAX_ATTEMPTS: number = DELIVERY_SCHEDULE_MS.length;

/** Upper bound applied to a Retry-After value, so a consumer cannot park a delivery for weeks. */
export const MAX_RETRY_AFTER_MS: number = 10 * HOUR;

/** ±20 %: spreads the retries of one outage so they do not all land on the consumer at once. */
const JITTER = 0.2;

/**
 * When the next attempt is due, in ms from now, given how many attempts have been made (>= 1);
 * null once the schedule is exhausted. The scheduled delay gets ±20 % jitter (`random` returns
 * [0, 1); 0.5 means none). A Retry-After from a 429 or 503 is a floor, capped at MAX_RETRY_AFTER_MS.
 *
 * @example
 * nextAttemptDelayMs({ attemptsMade: 1 });                        // 4000..6000
 * nextAttemptDelayMs({ attemptsMade: 2, retryAfterMs: 600_000 }); // 600000 (floor over ~5 min)
 * nextAttemptDelayMs({ attemptsMade: MAX_ATTEMPTS });             // null: give up
 */
export function nextAttemptDelayMs(input: {
  readonly attemptsMade: number;
  readonly retryAfterMs?: number;
  readonly random?: () => number;
}): number | null {
  const { attemptsMade, retryAfterMs, random = Math.random } = input;
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new RangeError(`attemptsMade must be an integer >= 1, got ${attemptsMade}`);
  }
  const scheduled = DELIVERY_SCHEDULE_MS[attemptsMade];
  if (scheduled === undefined) return null;

  // Clamp so a misbehaving random source can never push the delay outside the ±20 % band.
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.round(scheduled * (1 + JITTER * (2 * r - 1)));
  if (retryAfterMs === undefined || Number.isNaN(retryAfterMs) || retryAfterMs <= 0) return jittered;
  return Math.max(jittered, Math.ceil(Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(?<month>${MONTHS.join('|')})`;
const TIME = '(?<hours>\\d{2}):(?<minutes>\\d{2}):(?<seconds>\\d{2})';
/** The three HTTP-date forms (RFC 9110 §5.6.7): IMF-fixdate, then the obsolete RFC 850 and asctime. */
const HTTP_DATES = [
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`),
  new RegExp(
    `^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (?<day>\\d{2})-${MONTH}-(?<yy>\\d{2}) ${TIME} GMT$`,
  ),
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})$`),
];

/**
 * Parses a Retry-After header (delta seconds or an HTTP-date) into ms from `now`; undefined when
 * absent, malformed or in the past. Dates are matched strictly rather than with Date.parse, which
 * accepts almost any string with a number in it.
 *
 * @example
 * parseRetryAfter('120', now);                            // 120000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now);  // ms until then
 * parseRetryAfter('soon', now);                           // undefined
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  // Absurdly long delays stay finite so the value can be stored; nextAttemptDelayMs caps it anyway.
  if (/^\d+$/.test(text)) return Math.min(Number(text) * SECOND, Number.MAX_SAFE_INTEGER);
  const at = parseHttpDate(text, now);
  if (at === undefined) return undefined;
  const delta = at - now.getTime();
  return delta >= 0 ? delta : undefined;
}

function parseHttpDate(text: string, now: Date): number | undefined {
  for (const pattern of HTTP_DATES) {
    const parts = pattern.exec(text)?.groups;
    if (parts === undefined) continue;
    const day = Number(parts.day);
    const year = parts.year !== undefined ? Number(parts.year) : centuryOf(Number(parts.yy), now);
    const month = MONTHS.indexOf(parts.month ?? '');
    // A leap second (:60) is read as :59 rather than rolling into the next minute.
    const seconds = Math.min(Number(parts.seconds), 59);
    const at = Date.UTC(year, month, day, Number(parts.hours), Number(parts.minutes), seconds);
    // Date.UTC silently rolls 31 Feb or 25:00 over; such a header is malformed, not a date.
    const d = new Date(at);
    if (d.getUTCDate() !== day || d.getUTCHours() !== Number(parts.hours)) return undefined;
    if (d.getUTCMinutes() !== Number(parts.minutes)) return undefined;
    return at;
  }
  return undefined;
}

/** RFC 9110: a two-digit year that would be more than 50 years ahead belongs to the past century. */
function centuryOf(yy: number, now: Date): number {
  const year = 2000 + yy;
  return year > now.getUTCFullYear() + 50 ? year - 100 : year;
}
