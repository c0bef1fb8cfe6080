// Starts and drives the tenant's webhook endpoint process (tenant-endpoint-process.ts).
import { fileURLToPath } from 'node:url';
import { startHelperProcess } from './child-process.ts';

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
  const child = await startHelperProcess<EndpointRequest, EndpointReply>(ENTRY);
  if (child.ready.kind !== 'ready') throw new Error('the tenant endpoint process did not start');
  return {
    url: `http://127.0.0.1:${child.ready.port}/paymux/webhooks`,
    setSecret: async (secret) => {
      await child.ask({ kind: 'secret', secret });
    },
    waitFor: async (ids, timeoutMs) => {
      await child.ask({ kind: 'wait', ids, timeoutMs });
    },
    snapshot: async () => {
      const reply = await child.ask({ kind: 'dump' });
      if (reply.kind !== 'dump') throw new Error('unexpected tenant endpoint reply');
      return { arrivals: new Map(reply.arrivals), rejected: reply.rejected };
    },
    close: () => child.close(),
  };
}
