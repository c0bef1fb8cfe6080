import type { Order } from '../../db/schema.ts';
import { enqueueNotification } from '../../notifications/enqueue.ts';
import { type SettleOutcome, settleOrder } from '../../orders/order-store.ts';
import type { ProviderModuleContext } from '../../provider-module.ts';
import { findMerchant } from '../merchants/merchant-store.ts';
import { notificationEnvelope } from '../notifications/notification-envelope.ts';
import { orderAppid, transactionView } from './transaction-view.ts';

/**
 * The payer pays (or fails) an order, compare-and-set. Paying queues TRANSACTION.SUCCESS
 * in the same transaction (held back while the order withholds notifications); a failed
 * payment is not notified (WeChat only notifies success; PAYERROR shows on query).
 */
export async function settleTransaction(
  ctx: ProviderModuleContext,
  order: Order,
  outcome: SettleOutcome,
): Promise<{ order: Order } | undefined> {
  const { deps } = ctx;
  const merchant = await findMerchant(deps, order.merchant);
  if (!merchant) throw new Error(`order ${order.out_trade_no} names unknown merchant ${order.merchant}`);
  const now = deps.now();
  const settled = await deps.db.transaction().execute(async (trx) => {
    const updated = await settleOrder(trx, order, outcome, now);
    if (updated && outcome === 'pay' && updated.notify_url) {
      const resource = transactionView(updated, orderAppid(updated, merchant.appid));
      await enqueueNotification(trx, {
        provider: 'wechatpay',
        merchant: updated.merchant,
        kind: 'transaction',
        ref: updated.out_trade_no,
        url: updated.notify_url,
        contentType: 'application/json',
        body: notificationEnvelope(merchant.apiv3_key, 'TRANSACTION.SUCCESS', resource, now),
        withheld: updated.withhold_notifications,
        now,
      });
    }
    return updated;
  });
  if (!settled) return undefined;
  ctx.kick();
  return { order: settled };
}
