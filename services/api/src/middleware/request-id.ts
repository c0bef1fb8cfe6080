import { newId } from '@paymux/core';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../deps.ts';

// A caller-supplied id is kept only when it is short and plain, so it is safe to log.
const ACCEPTABLE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Gives every request an id (the caller's `Request-Id` if sane), echoed in the `Request-Id` header. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header('request-id') ?? c.req.header('x-request-id');
  const id = incoming && ACCEPTABLE.test(incoming) ? incoming : newId('req');
  c.set('requestId', id);
  c.header('Request-Id', id);
  await next();
  // Responses made through the context carry it already; setting a header on a finished
  // response rebuilds it as a full Response, which @hono/node-server then streams.
  if (!c.res.headers.has('Request-Id')) c.header('Request-Id', id);
});
