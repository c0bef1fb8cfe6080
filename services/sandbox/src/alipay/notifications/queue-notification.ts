import type { Transaction } from 'kysely';
import type { AlipayApp, Order, SandboxDatabase } from '../../db/schema.ts';
import { enqueueNotification } from '../../notifications/enqueue.ts';
import { appKeys } from '../apps/app-store.ts';
import { newNotifyId } from '../ids.ts';
import { ALIPAY_NOTIFY_CONTENT_TYPE } from './notification-policy.ts';
import {
  encodeForm,
  type RefundFacts,
  signNotification,
  tradeNotificationFields,
} from './trade-notification.ts';

/**
 * Queues the trade's `trade_status_sync` notification to its notify_url (none without
 * one), inside the transaction that changed the trade; withheld if the order says so.
 */
export async function queueTradeNotification(
  trx: Transaction<SandboxDatabase>,
  input: { app: AlipayApp; order: Order; now: Date; refund?: RefundFacts },
): Promise<boolean> {
  const { app, order, now, refund } = input;
  if (!order.notify_url) return false;
  const fields = tradeNotificationFields({
    app,
    order,
    now,
    notifyId: newNotifyId(now),
    ...(refund ? { refund } : {}),
  });
  await enqueueNotification(trx, {
    provider: 'alipay',
    merchant: app.app_id,
    kind: refund ? 'refund' : 'transaction',
    ref: order.out_trade_no,
    url: order.notify_url,
    contentType: ALIPAY_NOTIFY_CONTENT_TYPE,
    body: encodeForm(signNotification(fields, appKeys(app).alipayPrivateKey)),
    withheld: order.withhold_notifications,
    now,
  });
  return true;
}
