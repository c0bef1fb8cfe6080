// Starts and drives the tenant's webhook endpoint process (tenant-endpoint-process.ts).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type EndpointRequest =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'wait'; readonly ids: readonly string[]; readonly timeoutMs: number }
  | { readonly kind: 'dump' };

export type EndpointReply =
  | { readonly kind: 'ready'; readonly port: number }
  | { readonly kind: 'ok' }
  /** Arrival times in absolute milliseconds (performance.timeOrigin + now), per payment id. */
  | { readonly kind: 'dump'; readonly arrivals: Array<[string, number[]]>; readonly rejected: number };

const ENTRY = fileURLToPath(new URL('./tenant-endpoint-process.ts', import.meta.url));

export interface TenantEndpoint {
  readonly url: string;
  /** The signing secret to verify with (the endpoint is registered after it starts). */
  setSecret(secret: string): Promise<void>;
  /** Resolves once every id's webhook arrived, or after `timeoutMs`. */
  waitFor(ids: readonly string[], timeoutMs: number): Promise<void>;
  /** Every arrival so far, and how many webhooks failed verification. */
  snapshot(): Promise<{ arrivals: Map<string, number[]>; rejected: number }>;
  close(): Promise<void>;
}

export async function startTenantEndpoint(): Promise<TenantEndpoint> {
  const child: ChildProcess = fork(ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: Array<(reply: EndpointReply) => void> = [];
  child.on('message', (reply: EndpointReply) => replies.shift()?.(reply));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = () => new Promise<EndpointReply>((resolve) => replies.push(resolve));
  const ready = await next();
  if (ready.kind !== 'ready') throw new Error('the tenant endpoint process did not start');
  // One request at a time: replies come back in order.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (request: EndpointRequest): Promise<EndpointReply> => {
    const result = queue.then(() => {
      const reply = next();
      child.send(request);
      return reply;
    });
    queue = result.catch(() => {});
    return result;
  };
  return {
    url: `http://127.0.0.1:${ready.port}/paymux/webhooks`,
    setSecret: async (secret) => {
      await ask({ kind: 'secret', secret });
    },
    waitFor: async (ids, timeoutMs) => {
      await ask({ kind: 'wait', ids, timeoutMs });
    },
    snapshot: async () => {
      const reply = await ask({ kind: 'dump' });
      if (reply.kind !== 'dump') throw new Error('unexpected tenant endpoint reply');
      return { arrivals: new Map(reply.arrivals), rejected: reply.rejected };
    },
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
