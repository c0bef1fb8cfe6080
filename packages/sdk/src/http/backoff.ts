/** First retry waits about this long; each further retry doubles it. */
export const INITIAL_RETRY_DELAY_MS = 500;
/** No computed backoff step is longer than this. */
export const MAX_RETRY_DELAY_MS = 8_000;
/** A `Retry-After` longer than this is not waited for: the error is raised for the caller to schedule. */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so
 * clients that failed together do not retry together, yet never retry at once.
 */
export function backoffDelay(retry: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** retry);
  return step / 2 + random() * (step / 2);
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date. `undefined` when the header is
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * How long to wait before retry number `retry` (0-based), or `undefined` when the server
 * asks for a longer pause than we are willing to hold the caller for.
 */
export function retryDelay(retry: number, retryAfter: string | null): number | undefined {
  const requested = parseRetryAfter(retryAfter);
  if (requested === undefined) return backoffDelay(retry);
  return requested <= MAX_RETRY_AFTER_MS ? requested : undefined;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
