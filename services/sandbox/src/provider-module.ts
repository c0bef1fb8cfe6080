import type { Hono } from 'hono';
import type { Order, SandboxProvider } from './db/schema.ts';
import type { SandboxDeps } from './deps.ts';
import type { NotificationPolicy } from './notifications/policy.ts';
import type { SettleOutcome } from './orders/order-store.ts';

/** What the shared sandbox needs from each simulated provider. */
export interface SandboxProviderModule {
  readonly provider: SandboxProvider;
  readonly notifications: NotificationPolicy;
  /** The provider's wire API, mounted under `/<provider>` (e.g. `/wechatpay/v3/...`). */
  readonly api: Hono;
  /** Admin routes, mounted under `/_admin/<provider>` behind the operator guard. */
  readonly admin: Hono;
  /** The merchant's display name for the payer page. */
  merchantName(merchant: string): Promise<string>;
  /**
   * The payer pays or fails the order (payer page or admin API). Compare-and-set; queues
   * the provider's notification in the same transaction. Returns undefined when the
   * order was no longer payable, and a URL to send the browser to when the provider does
   * (Alipay page/wap pay's signed return_url).
   */
  settle(order: Order, outcome: SettleOutcome): Promise<{ order: Order; redirectUrl?: string } | undefined>;
  /**
   * Periodic provider-side work, run on every dispatcher pass: e.g. WeChat Pay refunds
   * moving from PROCESSING to SUCCESS after their (time-compressed) processing delay.
   */
  sweep?(): Promise<void>;
}

export interface ProviderModuleContext {
  readonly deps: SandboxDeps;
  /** Wakes the notification dispatcher after a notification is queued. */
  readonly kick: () => void;
}
