import { z } from 'zod';
import { fen, notifyUrl, outRefundNo } from '../wire/field-rules.ts';

export const refundRequestSchema = z.looseObject({
  transaction_id: z.string().min(1).max(32).optional(),
  out_trade_no: z.string().min(1).max(32).optional(),
  out_refund_no: outRefundNo,
  reason: z.string().max(80, '长度不能超过80').optional(),
  notify_url: notifyUrl.optional(),
  funds_account: z.string().optional(),
  amount: z.looseObject({ refund: fen, total: fen, currency: z.literal('CNY', '目前只支持CNY') }),
});

export type RefundRequest = z.infer<typeof refundRequestSchema>;
