import { PaymuxError } from '@paymux/core';
import { checkWebhookUrlResolved } from '@paymux/webhooks';
import { urlPolicy, type WebhookContext } from './webhook-context.ts';

/**
 * The registration-time SSRF check: scheme, port, no credentials, and no address (literal
 * or resolved now) in a refused range. The dispatcher checks the address again when it
 * connects, so a name that later resolves elsewhere (DNS rebinding) is refused then too.
 * Returns the normalised URL.
 */
export async function checkEndpointUrl(
  ctx: WebhookContext,
  mode: 'test' | 'live',
  raw: string,
): Promise<string> {
  const check = await checkWebhookUrlResolved(raw, urlPolicy(ctx, mode), { lookup: ctx.lookup });
  if (check.ok) return check.url.href;
  throw new PaymuxError('validation_failed', `url: ${check.message}`, {
    fields: [{ path: 'url', message: `${check.code}: ${check.message}` }],
  });
}
