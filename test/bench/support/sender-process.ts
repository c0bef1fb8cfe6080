// The provider's side of a notification benchmark in its own process: it POSTs the signed
// notifications it is given and reports what came back. A provider sends from elsewhere,
// so its HTTP client's CPU is not charged to the process under test (the two still share
// this machine's cores). Driven over IPC by `sendFromProcess` (sender.ts).
import { performance } from 'node:perf_hooks';
import { httpPoster } from './http-client.ts';
import { runLoad } from './load.ts';
import { sendAtRate } from './open-loop.ts';
import { isAck } from './pending-payments.ts';
import type { SenderReply, SenderRequest } from './sender.ts';

process.on('message', (message: SenderRequest) => {
  void handle(message).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ kind: 'error', error: String(error) } satisfies SenderReply),
  );
});
process.send?.({ kind: 'ready' } satisfies SenderReply);

async function handle(request: SenderRequest): Promise<SenderReply> {
  if (request.mode === 'open') {
    const sent = await sendAtRate(request.origin, request.list, request.rate);
    // Absolute times (ms since the epoch, sub-millisecond), comparable across processes.
    return {
      kind: 'open',
      sent: sent.map((s) => ({ ...s, sentAt: performance.timeOrigin + s.sentAt })),
    };
  }
  let next = 0;
  const client = httpPoster(request.origin);
  try {
    const result = await runLoad({
      concurrency: request.concurrency,
      count: request.list.length,
      attempt: async () => {
        const n = request.list[next++];
        if (!n) return 'ran out of notifications';
        const { status, text } = await client.post(n.path, n.headers, n.body);
        return isAck(n, status, text) ? undefined : `${n.provider} HTTP ${status}: ${text.slice(0, 200)}`;
      },
    });
    return { kind: 'closed', result: { ...result, latencies: Array.from(result.latencies) } };
  } finally {
    client.close();
  }
}
