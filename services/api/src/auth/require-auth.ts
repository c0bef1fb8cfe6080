import { PaymuxError, type Scope } from '@paymux/core';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../deps.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { TokenVerifier } from './token-verifier.ts';

/**
 * Authenticates the request's JWT and requires one scope. Each route names its scope
 * next to its definition: `middleware: [auth('payments:read')]`.
 */
export function authMiddlewareFactory(verifier: TokenVerifier, limiter?: RateLimiter) {
  return (scope: Scope) =>
    createMiddleware<AppEnv>(async (c, next) => {
      const auth = await verifier.verify(c.req.header('authorization'));
      c.set('auth', auth);
      limiter?.take(auth.keyId);
      if (!auth.scopes.includes(scope)) {
        throw new PaymuxError('insufficient_scope', `This API key lacks the "${scope}" scope.`);
      }
      await next();
    });
}

export type RequireScope = ReturnType<typeof authMiddlewareFactory>;
