// Load from N concurrent clients, for a fixed duration or a fixed total count. Closed loop:
// each client issues its next request as soon as the previous one finishes, so the load is
// as much as the server takes, and latency is mostly queueing (Little's law). Paced: the
// clients together send `ratePerSecond`, each on its own schedule, so latency is measured
// at a load the caller chooses.
import { performance } from 'node:perf_hooks';

/** One request: resolves with an error description, or undefined when it succeeded. */
export type Attempt = (client: number, seq: number) => Promise<string | undefined>;

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  /** Wall time from the first request to the last completion, ms. */
  readonly elapsedMs: number;
  /** Latencies of successful requests, ms, sorted ascending. */
  readonly latencies: Float64Array;
  /** Up to five distinct error descriptions. */
  readonly errorSamples: string[];
}

export async function runLoad(options: {
  concurrency: number;
  /** Stop issuing new requests after this long (in-flight ones finish and count). */
  durationMs?: number;
  /** Or: issue exactly this many requests in total. */
  count?: number;
  /**
   * Paced instead of closed loop: client i sends its k-th request at start + (i + k·N) / rate
   * seconds (N clients), so requests arrive evenly at `ratePerSecond` in total. A client
   * still waiting for its previous answer sends as soon as it has it, and that request's
   * latency counts from when it was due (no coordinated omission: a server that falls behind
   * shows it in the latencies, not as a lower rate).
   */
  ratePerSecond?: number;
  attempt: Attempt;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const errorSamples = new Set<string>();
  let errors = 0;
  let issued = 0;
  const start = performance.now();
  const deadline = options.durationMs !== undefined ? start + options.durationMs : Number.POSITIVE_INFINITY;
  const period =
    options.ratePerSecond === undefined ? 0 : (1000 * options.concurrency) / options.ratePerSecond;
  // Paced, a request is in the run if it is due before the deadline.
  const more = (due: number) =>
    options.count !== undefined ? issued < options.count : (period > 0 ? due : performance.now()) < deadline;
  const client = async (index: number) => {
    let seq = 0;
    let due = start + (period * index) / options.concurrency;
    while (more(due)) {
      issued += 1;
      seq += 1;
      let t0 = performance.now();
      if (period > 0) {
        if (due > t0) await new Promise((resolve) => setTimeout(resolve, due - t0));
        t0 = due;
        due += period;
      }
      let failure: string | undefined;
      try {
        failure = await options.attempt(index, seq);
      } catch (error) {
        failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      const ms = performance.now() - t0;
      if (failure === undefined) {
        latencies.push(ms);
      } else {
        errors += 1;
        if (errorSamples.size < 5) errorSamples.add(failure.slice(0, 300));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => client(i)));
  const elapsedMs = performance.now() - start;
  const sorted = Float64Array.from(latencies).sort();
  return { requests: issued, errors, elapsedMs, latencies: sorted, errorSamples: [...errorSamples] };
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface Summary {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  /** Successful requests per second. */
  readonly throughput: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Merges the results of several measured rounds of the same side. */
export function summarize(results: readonly LoadResult[]): Summary {
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const elapsedMs = results.reduce((n, r) => n + r.elapsedMs, 0);
  const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
  let offset = 0;
  for (const r of results) {
    all.set(r.latencies, offset);
    offset += r.latencies.length;
  }
  all.sort();
  const ok = all.length;
  const round = (x: number, digits = 2) => Number(x.toFixed(digits));
  return {
    requests,
    errors,
    seconds: round(elapsedMs / 1000, 3),
    throughput: round(ok / (elapsedMs / 1000), 1),
    p50: round(percentile(all, 50)),
    p90: round(percentile(all, 90)),
    p99: round(percentile(all, 99)),
    max: round(ok ? (all[ok - 1] as number) : Number.NaN),
    mean: round(ok ? all.reduce((a, b) => a + b, 0) / ok : Number.NaN),
  };
}
