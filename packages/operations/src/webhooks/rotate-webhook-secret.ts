import { withTenant } from '@paymux/db';
import { sealSecret } from '@paymux/vault';
import { generateWebhookSecret } from '@paymux/webhooks';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import { findWebhookEndpoint } from './find-webhook-endpoint.ts';
import type { WebhookContext } from './webhook-context.ts';
import { toWebhookEndpointView, type WebhookEndpointView } from './webhook-endpoint-view.ts';
import { webhookSecretContext } from './webhook-secret-context.ts';

/** How long the replaced secret keeps signing after a rotation. */
export const PREVIOUS_SECRET_VALIDITY_S = 24 * 60 * 60;

/**
 * Issues a new secret (returned once). The replaced one stays valid for 24 hours, and
 * every delivery in that time carries a signature under each, so the tenant can deploy the
 * new secret without dropping a webhook. A second rotation inside the 24 hours retires the
 * oldest secret at once: at most two are ever valid.
 */
export async function rotateWebhookSecret({
  ctx,
  input,
}: {
  ctx: WebhookContext;
  input: { tenantId: string; mode: 'test' | 'live'; id: string };
}): Promise<WebhookEndpointView & { readonly secret: string }> {
  const secret = generateWebhookSecret();
  const envelope = await sealSecret(
    ctx.vault,
    Buffer.from(secret, 'utf8'),
    webhookSecretContext(input.tenantId, input.id),
  );
  const row = await withTenant(ctx.db, input.tenantId, async (trx) => {
    const before = await findWebhookEndpoint(trx, input, input.id, { forUpdate: true });
    const updated = await trx
      .updateTable('webhook_endpoints')
      .set({
        secret: JSON.stringify(envelope),
        previous_secret: JSON.stringify(before.secret),
        previous_secret_expires_at: sql<Date>`now() + ${PREVIOUS_SECRET_VALIDITY_S} * interval '1 second'`,
        updated_at: sql<Date>`now()`,
      })
      .where('tenant_id', '=', input.tenantId)
      .where('id', '=', input.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      tenantId: input.tenantId,
      actor: ctx.actor,
      action: 'webhook_endpoint.secret_rotated',
      targetType: 'webhook_endpoint',
      targetId: input.id,
      data: { previous_secret_expires_at: updated.previous_secret_expires_at?.toISOString() },
      requestId: ctx.requestId,
    });
    return updated;
  });
  return { ...toWebhookEndpointView(row, ctx.now?.()), secret };
}
