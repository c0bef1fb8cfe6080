import { createMiddleware } from 'hono/factory';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { AppEnv } from '../deps.ts';

export interface HttpMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route' | 'status'>;
}

/** A registry per app (not prom-client's global), so several apps can live in one test process. */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'paymux_' });
  const labelNames = ['method', 'route', 'status'] as const;
  return {
    registry,
    requests: new Counter({
      name: 'paymux_http_requests_total',
      help: 'HTTP requests by route pattern and status',
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'paymux_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status',
      labelNames,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** Records count and latency per route pattern (never the raw path, which would explode cardinality). */
export function httpMetrics(metrics: HttpMetrics) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const routePath = c.req.routePath;
      const route =
        c.res.status === 404 && (routePath === '*' || routePath === '/*') ? 'unmatched' : routePath;
      const labels = { method: c.req.method, route, status: String(c.res.status) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, (performance.now() - started) / 1000);
    }
  });
}
