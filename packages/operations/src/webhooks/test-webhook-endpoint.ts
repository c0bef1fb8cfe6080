import { newId } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { sendWebhook, signWebhook, webhookBody } from '@paymux/webhooks';
import { findWebhookEndpoint } from './find-webhook-endpoint.ts';
import { openSigningSecrets } from './open-signing-secrets.ts';
import { urlPolicy, type WebhookContext } from './webhook-context.ts';
import { toWebhookEndpointView } from './webhook-endpoint-view.ts';

/** What a test send reports: never the response body (OWASP API7: no echo of what a URL returns). */
export interface WebhookTestResult {
  readonly object: 'webhook_test';
  readonly webhook_endpoint: string;
  readonly succeeded: boolean;
  readonly status_code: number | null;
  readonly latency_ms: number;
  readonly error_class: string | null;
}

/**
 * Sends a `webhook_endpoint.test` event to the endpoint now, signed like any delivery and
 * through the same SSRF guard, outside any transaction. Not stored as an event or delivery.
 */
export async function testWebhookEndpoint({
  ctx,
  input,
}: {
  ctx: WebhookContext & { readonly timeoutMs?: number | undefined };
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<WebhookTestResult> {
  const endpoint = await withTenant(ctx.db, input.tenantId, (trx) =>
    findWebhookEndpoint(trx, input, input.id),
  );
  const now = ctx.now?.() ?? new Date();
  const id = newId('evt');
  const body = webhookBody({
    id,
    type: 'webhook_endpoint.test',
    createdAt: now,
    data: { object: toWebhookEndpointView(endpoint, now) },
  });
  const headers = signWebhook({
    id,
    timestamp: now,
    body,
    secrets: await openSigningSecrets(ctx.vault, endpoint, now),
  });
  const result = await sendWebhook({
    url: endpoint.url,
    headers,
    body,
    policy: urlPolicy(ctx, endpoint.mode),
    ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }),
    ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
  });
  return {
    object: 'webhook_test',
    webhook_endpoint: endpoint.id,
    succeeded: result.ok,
    status_code: result.statusCode,
    latency_ms: result.latencyMs,
    error_class: result.errorClass,
  };
}
