import { timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { SandboxConfig } from '../deps.ts';

/** Guards `/_admin`: an operator bearer token, unless the sandbox runs in all-in-one development mode. */
export function requireOperator(config: SandboxConfig) {
  return createMiddleware(async (c, next) => {
    if (config.adminToken === undefined) return await next();
    const header = c.req.header('authorization') ?? '';
    const presented = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '', 'utf8');
    const expected = Buffer.from(config.adminToken, 'utf8');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return c.json(
        { code: 'UNAUTHORIZED', message: 'The sandbox admin API needs the operator token.' },
        401,
      );
    }
    await next();
  });
}
