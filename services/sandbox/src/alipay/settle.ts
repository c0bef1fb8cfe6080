import type { Order } from '../db/schema.ts';
import { type SettleOutcome, settleOrder } from '../orders/order-store.ts';
import { findApp } from './apps/app-store.ts';
import { queueTradeNotification } from './notifications/queue-notification.ts';
import type { OperationContext } from './operations/operation.ts';
import { signedReturnUrl } from './return-url.ts';

/**
 * The payer pays (or fails) a trade. Paying queues the TRADE_SUCCESS notification in the
 * same transaction and, for page/wap pay, sends the browser to the signed return_url. A
 * failed attempt notifies nothing: Alipay has no "failed" trade status.
 */
export async function settleTrade(
  { deps, kick }: OperationContext,
  order: Order,
  outcome: SettleOutcome,
): Promise<{ order: Order; redirectUrl?: string } | undefined> {
  const app = await findApp(deps, order.merchant);
  if (!app) return undefined;
  const now = deps.now();
  const result = await deps.db.transaction().execute(async (trx) => {
    const settled = await settleOrder(trx, order, outcome, now);
    if (!settled) return undefined;
    const queued =
      outcome === 'pay' ? await queueTradeNotification(trx, { app, order: settled, now }) : false;
    return { settled, queued };
  });
  if (!result) return undefined;
  if (result.queued) kick();
  const redirectUrl = outcome === 'pay' ? signedReturnUrl(app, result.settled, now) : undefined;
  return redirectUrl ? { order: result.settled, redirectUrl } : { order: result.settled };
}
