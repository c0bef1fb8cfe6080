import { z } from '@hono/zod-openapi';

/** The problem+json body every error response uses. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://docs.paymux.dev/errors/not_found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: 'not_found' }),
    request_id: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** Error responses shared by every authenticated /v1 route. */
export const authErrorResponses = {
  400: problem('The request is malformed or fails validation.'),
  401: problem('Missing, malformed, expired or revoked token.'),
  403: problem('The API key lacks the scope this route requires.'),
  413: problem('The request body is too large.'),
  429: problem('Too many requests for this API key.'),
  500: problem('An internal error; retry is safe for idempotent requests.'),
} as const;

export const notFoundResponse = { 404: problem('No such object for this tenant and mode.') } as const;

/** Error responses of routes that take an `Idempotency-Key` (see `idempotent()`). */
export const idempotencyErrorResponses = {
  409: problem(
    '`idempotency_key_in_use`: a request with this Idempotency-Key is still running; retry after `Retry-After` seconds.',
  ),
  422: problem('`idempotency_key_reused`: this Idempotency-Key was used with a different path or body.'),
} as const;
