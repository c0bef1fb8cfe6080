import { OpenAPIHono } from '@hono/zod-openapi';
import { PaymuxError } from '@paymux/core';
import { validationError } from '@paymux/operations';
import { RateLimiter } from './auth/rate-limiter.ts';
import { authMiddlewareFactory } from './auth/require-auth.ts';
import { TokenVerifier } from './auth/token-verifier.ts';
import type { AppDeps, AppEnv } from './deps.ts';
import { normalizeError, problemResponse } from './errors/problem-response.ts';
import { accessLog } from './middleware/access-log.ts';
import { limitBody } from './middleware/body-limit.ts';
import { createHttpMetrics, type HttpMetrics, httpMetrics } from './middleware/metrics.ts';
import { requestId } from './middleware/request-id.ts';
import { registerDocs } from './routes/docs.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerNotifyRoutes } from './routes/notify.ts';
import { registerGetDelivery } from './routes/v1/deliveries/get-delivery.ts';
import { registerListDeliveries } from './routes/v1/deliveries/list-deliveries.ts';
import { registerRetryDelivery } from './routes/v1/deliveries/retry-delivery.ts';
import { registerGetEvent } from './routes/v1/events/get-event.ts';
import { registerListEvents } from './routes/v1/events/list-events.ts';
import { registerCreateMerchantAccount } from './routes/v1/merchant-accounts/create-merchant-account.ts';
import { registerDeleteMerchantAccount } from './routes/v1/merchant-accounts/delete-merchant-account.ts';
import { registerGetMerchantAccount } from './routes/v1/merchant-accounts/get-merchant-account.ts';
import { registerListMerchantAccounts } from './routes/v1/merchant-accounts/list-merchant-accounts.ts';
import { registerUpdateMerchantAccount } from './routes/v1/merchant-accounts/update-merchant-account.ts';
import { registerVerifyMerchantAccount } from './routes/v1/merchant-accounts/verify-merchant-account.ts';
import { registerClosePayment } from './routes/v1/payments/close-payment.ts';
import { registerCreatePayment } from './routes/v1/payments/create-payment.ts';
import { registerGetPayment } from './routes/v1/payments/get-payment.ts';
import { registerListPayments } from './routes/v1/payments/list-payments.ts';
import { registerPaymentTimeline } from './routes/v1/payments/payment-timeline.ts';
import { registerCreateRefund } from './routes/v1/refunds/create-refund.ts';
import { registerGetRefund } from './routes/v1/refunds/get-refund.ts';
import { registerListRefunds } from './routes/v1/refunds/list-refunds.ts';
import { registerSettleTestPayment } from './routes/v1/test-helpers/settle-test-payment.ts';
import { registerCreateWebhookEndpoint } from './routes/v1/webhook-endpoints/create-webhook-endpoint.ts';
import { registerDeleteWebhookEndpoint } from './routes/v1/webhook-endpoints/delete-webhook-endpoint.ts';
import { registerGetWebhookEndpoint } from './routes/v1/webhook-endpoints/get-webhook-endpoint.ts';
import { registerListWebhookEndpoints } from './routes/v1/webhook-endpoints/list-webhook-endpoints.ts';
import { registerReplayWebhookEvents } from './routes/v1/webhook-endpoints/replay-webhook-events.ts';
import { registerRotateWebhookSecret } from './routes/v1/webhook-endpoints/rotate-webhook-secret.ts';
import { registerTestWebhookEndpoint } from './routes/v1/webhook-endpoints/test-webhook-endpoint.ts';
import { registerUpdateWebhookEndpoint } from './routes/v1/webhook-endpoints/update-webhook-endpoint.ts';
import { registerWhoami } from './routes/v1/whoami.ts';

export interface PaymuxApp {
  readonly app: OpenAPIHono<AppEnv>;
  readonly metrics: HttpMetrics;
}

/**
 * Builds the Paymux HTTP application from its dependencies. No I/O happens here;
 * tests call `app.request()` without a server.
 *
 * @example
 * const { app } = createApp({ db, config: { jwtAudience: 'paymux', maxBodyBytes: 1 << 20 }, logger });
 * const res = await app.request('/healthz');
 */
export function createApp(deps: AppDeps): PaymuxApp {
  const metrics = createHttpMetrics();
  const app = new OpenAPIHono<AppEnv>({
    // Schema failures (params, query, body) become one problem+json with field errors.
    defaultHook: (result, c) => {
      if (result.success) return;
      return problemResponse(c, validationError(result.error.issues));
    },
  });

  app.use('*', requestId);
  app.use('*', httpMetrics(metrics));
  app.use('*', accessLog(deps.logger));
  app.use(
    '*',
    limitBody(deps.config.maxBodyBytes, (c) =>
      problemResponse(
        c,
        new PaymuxError(
          'payload_too_large',
          `Request bodies are limited to ${deps.config.maxBodyBytes} bytes.`,
        ),
      ),
    ),
  );

  app.onError((error, c) => problemResponse(c, normalizeError(error, deps.logger, c.get('requestId'))));
  app.notFound((c) =>
    problemResponse(c, new PaymuxError('not_found', `No route for ${c.req.method} ${c.req.path}.`)),
  );

  registerHealthRoutes(app, deps, metrics);
  registerNotifyRoutes(app, deps);

  const verifier = new TokenVerifier({
    db: deps.db,
    audience: deps.config.jwtAudience,
    logger: deps.logger,
    cache: deps.apiKeyCache,
    now: deps.now,
  });
  const requireScope = authMiddlewareFactory(
    verifier,
    deps.config.rateLimit ? new RateLimiter(deps.config.rateLimit) : undefined,
  );
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'An ES256 or EdDSA JWT signed with your API key: header kid = key id; claims aud, iat, exp (≤ 300 s).',
  });

  registerWhoami(app, requireScope);
  registerListMerchantAccounts(app, requireScope, deps);
  registerGetMerchantAccount(app, requireScope, deps);
  registerCreateMerchantAccount(app, requireScope, deps);
  registerUpdateMerchantAccount(app, requireScope, deps);
  registerDeleteMerchantAccount(app, requireScope, deps);
  registerVerifyMerchantAccount(app, requireScope, deps);
  registerCreatePayment(app, requireScope, deps);
  registerListPayments(app, requireScope, deps);
  registerGetPayment(app, requireScope, deps);
  registerClosePayment(app, requireScope, deps);
  registerPaymentTimeline(app, requireScope, deps);
  registerCreateRefund(app, requireScope, deps);
  registerListRefunds(app, requireScope, deps);
  registerGetRefund(app, requireScope, deps);
  registerSettleTestPayment(app, requireScope, deps);
  registerListEvents(app, requireScope, deps);
  registerGetEvent(app, requireScope, deps);
  registerCreateWebhookEndpoint(app, requireScope, deps);
  registerListWebhookEndpoints(app, requireScope, deps);
  registerGetWebhookEndpoint(app, requireScope, deps);
  registerUpdateWebhookEndpoint(app, requireScope, deps);
  registerDeleteWebhookEndpoint(app, requireScope, deps);
  registerRotateWebhookSecret(app, requireScope, deps);
  registerTestWebhookEndpoint(app, requireScope, deps);
  registerReplayWebhookEvents(app, requireScope, deps);
  registerListDeliveries(app, requireScope, deps);
  registerGetDelivery(app, requireScope, deps);
  registerRetryDelivery(app, requireScope, deps);

  registerDocs(app);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Paymux API',
      version: '0.1.0',
      description: 'One API for WeChat Pay and Alipay, routed to each tenant’s own merchant accounts.',
    },
  });

  return { app, metrics };
}
