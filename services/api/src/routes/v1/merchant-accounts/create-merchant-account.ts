import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { createMerchantAccount } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses } from '../../schemas.ts';
import { CredentialsSchema, MerchantAccountSchema } from './merchant-account-schema.ts';

const Body = z
  .object({
    provider: z.enum(['wechatpay', 'alipay']),
    display_name: z.string().min(1).max(200),
    credentials: CredentialsSchema,
    is_default: z.boolean().optional(),
  })
  .strict()
  .openapi('CreateMerchantAccount');

/** POST /v1/merchant_accounts: its mode is the API key's mode. */
export function registerCreateMerchantAccount(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'post',
    path: '/v1/merchant_accounts',
    tags: ['Merchant accounts'],
    summary: 'Add a merchant account',
    description:
      'Stores WeChat Pay or Alipay credentials, encrypted with a per-record key. Credentials are validated ' +
      '(key formats, key/certificate match, APIv3 key length) and never returned.',
    security: [{ bearer: [] }],
    middleware: [requireScope('merchant_accounts:write'), idempotent(deps)] as const,
    request: {
      headers: idempotencyHeaders,
      body: { required: true, content: { 'application/json': { schema: Body } } },
    },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: MerchantAccountSchema } } },
      ...authErrorResponses,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const body = c.req.valid('json');
    const account = await createMerchantAccount({
      ctx: {
        db: deps.db,
        vault: deps.vault,
        actor: { type: 'api_key', id: auth.keyId },
        requestId: c.get('requestId'),
      },
      input: { tenantId: auth.tenantId, mode: auth.mode, ...body },
    });
    return c.json(account, 201);
  });
}
