import type { KeyProvider } from '@paymux/vault';
import type { BaseLookup } from '@paymux/webhooks';
import type { OperationContext } from '../context.ts';

/** What webhook operations need besides the database: the vault, the SSRF policy, a clock. */
export interface WebhookContext extends OperationContext {
  readonly vault: KeyProvider;
  /** PAYMUX_WEBHOOK_ALLOW_LOOPBACK: loopback endpoints for local development and tests. */
  readonly allowLoopback: boolean;
  /** DNS for the URL checks; tests inject names that resolve to chosen addresses. */
  readonly lookup?: BaseLookup | undefined;
  readonly now?: (() => Date) | undefined;
}

/** Live endpoints must use https; test mode may use http (a developer's tunnel or laptop). */
export function urlPolicy(ctx: WebhookContext, mode: 'test' | 'live') {
  return { allowLoopback: ctx.allowLoopback, requireHttps: mode === 'live' };
}
