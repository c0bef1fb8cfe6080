import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../../deps.ts';

/** The context every payment verb needs, built from the app's dependencies and the caller. */
export function paymentContext(deps: AppDeps, c: Context<AppEnv>) {
  const auth = c.get('auth');
  return {
    db: deps.db,
    vault: deps.vault,
    endpoints: deps.providerEndpoints,
    credentialCache: deps.credentialCache,
    providerTimeoutMs: deps.providerTimeoutMs,
    publicUrl: deps.config.publicUrl,
    actor: { type: 'api_key' as const, id: auth.keyId },
    requestId: c.get('requestId'),
    ...(deps.now ? { now: deps.now } : {}),
  };
}
