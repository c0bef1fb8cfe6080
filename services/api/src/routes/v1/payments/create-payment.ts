import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { createPayment, createPaymentBody } from '@paymux/operations';
import type { RequireScope } from '../../../auth/require-auth.ts';
import type { AppDeps, AppEnv } from '../../../deps.ts';
import { idempotencyHeaders, idempotent } from '../../../idempotency/index.ts';
import { authErrorResponses, idempotencyErrorResponses, notFoundResponse } from '../../schemas.ts';
import { paymentContext } from '../operation-context.ts';
import { PaymentSchema } from './payment-schema.ts';

/** POST /v1/payments: one API for eight channels; the response's next_action says what to show the payer. */
export function registerCreatePayment(
  app: OpenAPIHono<AppEnv>,
  requireScope: RequireScope,
  deps: AppDeps,
): void {
  const route = createRoute({
    method: 'post',
    path: '/v1/payments',
    tags: ['Payments'],
    summary: 'Create a payment',
    description:
      'Routes the payment to the merchant account named in `merchant_account`, or the default account of the ' +
      "channel's provider in the API key's mode, and returns `next_action`. If the provider refuses, the payment " +
      'is `failed` with the provider’s code in `failure_code`; if it does not answer in time, it stays ' +
      '`requires_payment` without `next_action` and is settled by the sync job.',
    security: [{ bearer: [] }],
    // The key is claimed in the transaction that records the payment (no transaction of its own).
    middleware: [requireScope('payments:write'), idempotent(deps, { claimInHandler: true })] as const,
    request: {
      headers: idempotencyHeaders,
      body: {
        required: true,
        content: { 'application/json': { schema: createPaymentBody } },
      },
    },
    responses: {
      201: { description: 'The payment', content: { 'application/json': { schema: PaymentSchema } } },
      ...authErrorResponses,
      ...notFoundResponse,
      ...idempotencyErrorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const auth = c.get('auth');
    const idempotency = c.get('idempotency');
    const payment = await createPayment({
      ctx: paymentContext(deps, c),
      input: { tenantId: auth.tenantId, mode: auth.mode, ...c.req.valid('json') },
      claimWith: idempotency && {
        inTransaction: (trx) => idempotency.claim(trx),
        statement: (guard) => idempotency.claimStatement(guard),
        claimed: (token) => idempotency.claimedWith(token),
      },
      // The key's response commits with the payment's outcome: no transaction of its own.
      commitWith: idempotency && {
        inTransaction: (trx, view) => idempotency.stage(trx, 201, view),
        statement: (view, guard) => idempotency.stageStatement(201, view, guard),
        committed: (wrote) => idempotency.stagedWith(201, wrote),
      },
    });
    return idempotency ? idempotency.respond(c.json(payment, 201)) : c.json(payment, 201);
  });
}
