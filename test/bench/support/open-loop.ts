// Open-loop load: notifications sent on a fixed schedule whatever the answers take, as a
// provider sends them when payments happen (a closed loop of N clients instead measures
// its own queue: by Little's law its mean latency is N ÷ throughput).
import { performance } from 'node:perf_hooks';
import { httpPoster } from './http-client.ts';
import { isAck } from './pending-payments.ts';
import type { SignedNotification } from './signed-notifications.ts';

export interface Sent {
  readonly paymentId: string;
  /** performance.now() when the request was sent. */
  readonly sentAt: number;
  /** Time to the provider acknowledgement, ms (unset on error). */
  ackMs?: number;
  error?: string;
}

/** Sends `list` at `rate` per second, on schedule whatever the answers take. */
export async function sendAtRate(
  origin: string,
  list: readonly SignedNotification[],
  rate: number,
): Promise<Sent[]> {
  const sent: Sent[] = [];
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  const interval = 1000 / rate;
  const client = httpPoster(origin, 1024);
  for (let i = 0; i < list.length; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const n = list[i] as SignedNotification;
    const record: Sent = { paymentId: n.outTradeNo, sentAt: performance.now() };
    sent.push(record);
    inFlight.push(
      (async () => {
        try {
          const { status, text } = await client.post(n.path, n.headers, n.body);
          record.ackMs = performance.now() - record.sentAt;
          if (!isAck(n, status, text)) record.error = `${n.provider} HTTP ${status}: ${text.slice(0, 200)}`;
        } catch (error) {
          record.error = String(error);
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  client.close();
  return sent;
}
