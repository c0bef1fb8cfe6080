import { migrationStatus, withSystem } from '@paymux/db';
import type { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../deps.ts';
import type { HttpMetrics } from '../middleware/metrics.ts';

const READINESS_TIMEOUT_MS = 2_000;

/** A load balancer needs an answer: a database that never responds means "not ready", quickly. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz (process up), /readyz (database reachable, migrations current), /metrics (Prometheus text). */
export function registerHealthRoutes(app: Hono<AppEnv>, deps: AppDeps, metrics: HttpMetrics): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    try {
      const status = await withTimeout(
        withSystem(deps.db, 'readiness', (trx) => migrationStatus(trx)),
        READINESS_TIMEOUT_MS,
      );
      if (!status.current) {
        return c.json({ status: 'unavailable', reason: 'migrations pending', pending: status.pending }, 503);
      }
      return c.json({ status: 'ok', migrations: status.applied.length });
    } catch (error) {
      deps.logger.warn({ err: error }, 'readiness check failed');
      return c.json({ status: 'unavailable', reason: 'database unreachable' }, 503);
    }
  });

  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
}
