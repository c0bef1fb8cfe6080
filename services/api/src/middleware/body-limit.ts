import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../deps.ts';

/**
 * Hono's `bodyLimit`, without touching the body of a request that declares its length:
 * `bodyLimit` reads `c.req.raw.body` first, which makes @hono/node-server build a full
 * `Request` around a web stream, and every later read of the body then goes through that
 * stream instead of its direct path. With `Content-Length` (and no `Transfer-Encoding`)
 * Node's parser delivers exactly that many bytes, so the header is the body's size, as
 * `bodyLimit` itself decides; a chunked body is counted by `bodyLimit` as it streams.
 */
export function limitBody(
  maxBytes: number,
  onTooLarge: (c: Context<AppEnv>) => Response | Promise<Response>,
): MiddlewareHandler<AppEnv> {
  const streamed = bodyLimit({ maxSize: maxBytes, onError: onTooLarge });
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number.parseInt(length, 10) > maxBytes) return await onTooLarge(c);
      await next();
      return;
    }
    return await streamed(c, next);
  };
}
