// Counts PostgreSQL round trips (pg Client#query calls: BEGIN and COMMIT included) by pool:
// the API's app pool (connections that start as role paymux_app) versus everything else
// (the sandbox's pool, the ApiKeyCache LISTEN connection). A query written while the same
// client still has one in flight (pipeline mode: `inTenantOneTrip` sends BEGIN, the
// statement and COMMIT together) rides the same round trip and is not counted again.
// Bench-only instrumentation.
import pg from 'pg';

export interface QueryCounts {
  app: number;
  other: number;
}

const counts: QueryCounts = { app: 0, other: 0 };
let installed = false;

export function installQueryCounter(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as {
    query: (...args: unknown[]) => unknown;
    connectionParameters?: { options?: string };
    _activeQuery?: unknown;
    _sentQueryQueue?: unknown[];
    _queryQueue?: unknown[];
  };
  const original = proto.query;
  proto.query = function (this: typeof proto, ...args: unknown[]) {
    const inFlight =
      this._activeQuery != null ||
      (this._sentQueryQueue?.length ?? 0) > 0 ||
      (this._queryQueue?.length ?? 0) > 0;
    if (!inFlight) {
      if (this.connectionParameters?.options?.includes('role=paymux_app')) counts.app += 1;
      else counts.other += 1;
    }
    return original.apply(this, args);
  };
}

export function queryCounts(): QueryCounts {
  return { ...counts };
}
