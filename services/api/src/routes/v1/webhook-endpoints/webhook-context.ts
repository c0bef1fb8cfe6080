import type { WebhookContext } from '@paymux/operations';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../../../deps.ts';

/** The context of the webhook verbs, built from the app's dependencies and the caller. */
export function webhookContext(deps: AppDeps, c: Context<AppEnv>): WebhookContext & { timeoutMs?: number } {
  const auth = c.get('auth');
  return {
    db: deps.db,
    vault: deps.vault,
    allowLoopback: deps.webhooks?.allowLoopback ?? false,
    lookup: deps.webhooks?.lookup,
    actor: { type: 'api_key', id: auth.keyId },
    requestId: c.get('requestId'),
    now: deps.now,
    ...(deps.webhooks?.testTimeoutMs === undefined ? {} : { timeoutMs: deps.webhooks.testTimeoutMs }),
  };
}
