/** Every event type Paymux emits and tenants can subscribe webhooks to. */
export const EVENT_TYPES = [
  'payment.succeeded',
  'payment.closed',
  'payment.failed',
  'refund.succeeded',
  'refund.failed',
  'reconciliation.completed',
  'merchant_account.unhealthy',
  'webhook_endpoint.disabled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
