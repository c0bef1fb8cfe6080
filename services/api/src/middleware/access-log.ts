import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';
import type { AppEnv } from '../deps.ts';

/** One JSON line per request: never headers or bodies, which may carry secrets. */
export function accessLog(logger: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const auth = c.get('auth');
    logger.info(
      {
        request_id: c.get('requestId'),
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        ...(auth ? { tenant_id: auth.tenantId, key_id: auth.keyId, mode: auth.mode } : {}),
      },
      'request',
    );
  });
}
