import type { Migration } from 'kysely/migration';
import * as foundation from './2026-11-26-0001-foundation.ts';
import * as merchantAccountCredentials from './2026-11-26-0002-merchant-account-credentials.ts';
import * as payments from './2026-11-26-0003-payments.ts';
import * as eventsAndNotifications from './2026-11-26-0004-events-and-notifications.ts';
import * as jobQueue from './2026-11-26-0005-job-queue.ts';
import * as autoRefundLatePayments from './2026-11-26-0006-auto-refund-late-payments.ts';
import * as webhooks from './2026-11-26-0007-webhooks.ts';
import * as notificationRouting from './2026-11-26-0008-notification-routing.ts';
import * as merchantAccountChanges from './2026-11-26-0009-merchant-account-changes.ts';
import * as paymentView from './2026-11-26-0010-payment-view.ts';
import * as rewrapSealedResponses from './2026-11-26-0011-rewrap-sealed-responses.ts';
import * as pruneWebhookDeliveries from './2026-11-27-0012-prune-webhook-deliveries.ts';

/**
 * Every migration, in order. Names sort by date so Kysely's ordering check holds;
 * a new migration is a new file added at the end of this list.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-26-0001-foundation': foundation,
  '2026-11-26-0002-merchant-account-credentials': merchantAccountCredentials,
  '2026-11-26-0003-payments': payments,
  '2026-11-26-0004-events-and-notifications': eventsAndNotifications,
  '2026-11-26-0005-job-queue': jobQueue,
  '2026-11-26-0006-auto-refund-late-payments': autoRefundLatePayments,
  '2026-11-26-0007-webhooks': webhooks,
  '2026-11-26-0008-notification-routing': notificationRouting,
  '2026-11-26-0009-merchant-account-changes': merchantAccountChanges,
  '2026-11-26-0010-payment-view': paymentView,
  '2026-11-26-0011-rewrap-sealed-responses': rewrapSealedResponses,
  '2026-11-27-0012-prune-webhook-deliveries': pruneWebhookDeliveries,
};
