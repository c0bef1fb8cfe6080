import { type EventType, newId, PaymuxError } from '@paymux/core';
import { withTenant } from '@paymux/db';
import { sealSecret } from '@paymux/vault';
import { generateWebhookSecret } from '@paymux/webhooks';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import { checkEndpointUrl } from './check-endpoint-url.ts';
import type { WebhookContext } from './webhook-context.ts';
import { toWebhookEndpointView, type WebhookEndpointView } from './webhook-endpoint-view.ts';
import { webhookSecretContext } from './webhook-secret-context.ts';

/** Endpoints per tenant and mode: enough for fan-out to a few services, not a spam cannon. */
export const MAX_WEBHOOK_ENDPOINTS = 16;

export interface CreateWebhookEndpointInput {
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly url: string;
  readonly enabled_events?: readonly EventType[] | undefined;
  readonly description?: string | undefined;
}

/**
 * Registers an endpoint after the SSRF check, with a fresh `whsec_` secret sealed in the
 * vault. The secret is returned here once, and never again (only a rotation issues another).
 *
 * @example
 * const endpoint = await createWebhookEndpoint({ ctx, input: { tenantId, mode: 'test', url: 'https://shop.example/hooks' } });
 * storeSecurely(endpoint.secret);
 */
export async function createWebhookEndpoint({
  ctx,
  input,
}: {
  ctx: WebhookContext;
  input: CreateWebhookEndpointInput;
}): Promise<WebhookEndpointView & { readonly secret: string }> {
  const url = await checkEndpointUrl(ctx, input.mode, input.url);
  const id = newId('whe');
  const secret = generateWebhookSecret();
  const envelope = await sealSecret(
    ctx.vault,
    Buffer.from(secret, 'utf8'),
    webhookSecretContext(input.tenantId, id),
  );
  const row = await withTenant(ctx.db, input.tenantId, async (trx) => {
    // Serialises creations per tenant so the cap holds under concurrency.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`webhook_endpoints:${input.tenantId}`}, 0))`.execute(
      trx,
    );
    const { n } = await trx
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', input.tenantId)
      .where('mode', '=', input.mode)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_WEBHOOK_ENDPOINTS) {
      throw new PaymuxError(
        'conflict',
        `A tenant may have at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints per mode; delete one first.`,
      );
    }
    const inserted = await trx
      .insertInto('webhook_endpoints')
      .values({
        tenant_id: input.tenantId,
        id,
        mode: input.mode,
        url,
        description: input.description ?? null,
        enabled_events: [...new Set(input.enabled_events ?? [])],
        secret: JSON.stringify(envelope),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'webhook_endpoint.created',
      targetType: 'webhook_endpoint',
      targetId: id,
      data: { url, enabled_events: inserted.enabled_events },
      requestId: ctx.requestId,
    });
    return inserted;
  });
  return { ...toWebhookEndpointView(row, ctx.now?.()), secret };
}
