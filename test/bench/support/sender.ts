// Runs the provider's side of a notification benchmark in a child process
// (sender-process.ts): closed loop (N clients, each sending its next notification when
// the previous one is answered) or open loop (on a fixed schedule).
import { fileURLToPath } from 'node:url';
import { startHelperProcess } from './child-process.ts';
import type { LoadResult } from './load.ts';
import type { Sent } from './open-loop.ts';
import type { SignedNotification } from './signed-notifications.ts';

export type SenderRequest =
  | {
      readonly mode: 'closed';
      readonly origin: string;
      readonly list: readonly SignedNotification[];
      readonly concurrency: number;
    }
  | {
      readonly mode: 'open';
      readonly origin: string;
      readonly list: readonly SignedNotification[];
      readonly rate: number;
    };

export type SenderReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'closed'; readonly result: Omit<LoadResult, 'latencies'> & { latencies: number[] } }
  /** `sentAt` in absolute milliseconds (performance.timeOrigin + now), comparable across processes. */
  | { readonly kind: 'open'; readonly sent: Sent[] };

const ENTRY = fileURLToPath(new URL('./sender-process.ts', import.meta.url));

export interface Sender {
  closedLoop(origin: string, list: readonly SignedNotification[], concurrency: number): Promise<LoadResult>;
  /** Sent records with `sentAt` in absolute milliseconds (see SenderReply). */
  openLoop(origin: string, list: readonly SignedNotification[], rate: number): Promise<Sent[]>;
  close(): Promise<void>;
}

export async function startSender(): Promise<Sender> {
  const child = await startHelperProcess<SenderRequest, SenderReply>(ENTRY);
  if (child.ready.kind !== 'ready') throw new Error('the sender process did not start');
  const ask = async (request: SenderRequest): Promise<SenderReply> => {
    const r = await child.ask(request);
    if (r.kind === 'error') throw new Error(`sender process: ${r.error}`);
    return r;
  };
  return {
    closedLoop: async (origin, list, concurrency) => {
      const r = await ask({ mode: 'closed', origin, list, concurrency });
      if (r.kind !== 'closed') throw new Error('unexpected sender reply');
      return { ...r.result, latencies: Float64Array.from(r.result.latencies) };
    },
    openLoop: async (origin, list, rate) => {
      const r = await ask({ mode: 'open', origin, list, rate });
      if (r.kind !== 'open') throw new Error('unexpected sender reply');
      return r.sent;
    },
    close: () => child.close(),
  };
}
