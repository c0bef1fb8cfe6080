import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { verifyMerchantAccount } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { MerchantAccountIdParam } from './id-param.ts';
import { MerchantAccountSchema } from './merchant-account-schema.ts';

/** POST /v1/merchant_accounts/{id}/verify: a real signed provider call; the account's health is recorded. */
export function registerVerifyMerchantAccount(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
) {
  const route = createRoute({
    method: 'post',
    path: '/v1/merchant_accounts/{id}/verify',
    tags: ['Merchant accounts'],
    summary: 'Check a merchant account against its provider',
    description:
      'Makes a signed query at the provider with the stored credentials and records `health`: `ok`, ' +
      '`invalid_credentials`, `unreachable` or `certificate_expiring` (a certificate expires within 30 days).',
    security: [{ bearer: [] }],
    middleware: [requireScope('merchant_accounts:write'), idempotent(deps)] as const,
    request: { params: MerchantAccountIdParam, headers: idempotencyHeaders },
    responses: {
      200: {
        description: 'The account with its health',
        content: { 'application/json': { schema: MerchantAccountSchema } },
      },
      ...authErrorResponses,
      ...idempotencyErrorResponses,
      ...notFoundResponse,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const { id } = c.req.valid('param');
    const account = await verifyMerchantAccount({
      ctx: {
        db: deps.db,
        vault: deps.vault,
        endpoints: deps.providerEndpoints,
        credentialCache: deps.credentialCache,
        actor: { type: 'api_key', id: auth.keyId },
        requestId: c.get('requestId'),
      },
      input: { tenantId: auth.tenantId, mode: auth.mode, id },
    });
    return c.json(account, 200);
  });
}
