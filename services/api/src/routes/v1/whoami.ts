import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { RequireScope } from '../../auth/require-auth.ts';
import type { AppEnv } from '../../deps.ts';
import { authErrorResponses } from '../schemas.ts';

const WhoamiSchema = z
  .object({
    object: z.literal('api_key_identity'),
    tenant: z.string().openapi({ example: 'tnt_01jx…' }),
    api_key: z.string().openapi({ example: 'key_01jx…' }),
    livemode: z.boolean(),
    scopes: z.array(z.string()),
  })
  .openapi('Whoami');

/** GET /v1/whoami: which tenant, key, mode and scopes a token resolves to. Handy for first integration. */
export function registerWhoami(app: OpenAPIHono<AppEnv>, requireScope: RequireScope): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/whoami',
    tags: ['Account'],
    summary: 'Identify the calling API key',
    security: [{ bearer: [] }],
    middleware: [requireScope('payments:read')] as const,
    responses: {
      200: { description: 'The caller', content: { 'application/json': { schema: WhoamiSchema } } },
      ...authErrorResponses,
    },
  });
  app.openapi(route, (c) => {
    const auth = c.get('auth');
    return c.json(
      {
        object: 'api_key_identity' as const,
        tenant: auth.tenantId,
        api_key: auth.keyId,
        livemode: auth.mode === 'live',
        scopes: [...auth.scopes],
      },
      200,
    );
  });
}
