import type { Hono } from 'hono';
import type { ProviderModuleContext } from '../../provider-module.ts';
import { finishRefund, type RefundOutcome } from '../refunds/finish-refund.ts';
import { findRefund } from '../refunds/refund-store.ts';
import { refundStatus } from '../refunds/refund-view.ts';
import { adminError } from './read-admin-body.ts';

const OUTCOMES: Record<string, RefundOutcome> = { succeed: 'success', abnormal: 'abnormal', close: 'closed' };

/**
 * `POST /_admin/wechatpay/merchants/:mchid/refunds/:out_refund_no/{succeed|abnormal|close}`:
 * decides a PROCESSING refund's fate before the sandbox's own processing does, and
 * queues the matching REFUND.* notification.
 */
export function registerRefundOutcomeRoutes(admin: Hono, ctx: ProviderModuleContext): void {
  admin.post('/merchants/:mchid/refunds/:no/:outcome{succeed|abnormal|close}', async (c) => {
    const outcome = OUTCOMES[c.req.param('outcome')];
    const refund = await findRefund(ctx.deps, c.req.param('mchid'), c.req.param('no'));
    if (!refund || !outcome) return c.json(adminError('RESOURCE_NOT_EXISTS', 'No such refund.'), 404);
    const finished = await finishRefund(ctx, refund, outcome);
    if (!finished) {
      const current = (await findRefund(ctx.deps, refund.merchant, refund.out_refund_no)) ?? refund;
      return c.json(
        {
          ...adminError('REFUND_NOT_PROCESSING', `The refund is ${refundStatus(current)}.`),
          status: refundStatus(current),
        },
        409,
      );
    }
    return c.json({ status: refundStatus(finished), refund_id: finished.refund_id });
  });
}
