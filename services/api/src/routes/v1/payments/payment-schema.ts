import { z } from '@hono/zod-openapi';

export const NextActionSchema = z
  .record(z.string(), z.unknown())
  .nullable()
  .openapi('NextAction', {
    description:
      'What to show the payer: `{type: "qr_code", qr_code}` (wechat.native, alipay.qr), `{type: "redirect", url}` ' +
      '(wechat.h5, alipay.page, alipay.wap), `{type: "jsapi", jsapi: {appId, timeStamp, nonceStr, package, signType, paySign}}` ' +
      '(wechat.jsapi), `{type: "wechat_app", wechat_app: {…}}` (wechat.app) or `{type: "alipay_app", order_string}` (alipay.app). ' +
      'In test mode the QR code and redirect lead to the sandbox payer page.',
  });

export const PaymentSchema = z
  .object({
    id: z.string().openapi({ example: 'pay_01jx…' }),
    object: z.literal('payment'),
    livemode: z.boolean(),
    amount: z.number().int().openapi({ description: 'Minor units: 100 is ¥1.00', example: 100 }),
    currency: z.literal('CNY'),
    channel: z.string().openapi({ example: 'wechat.native' }),
    status: z.enum(['requires_payment', 'succeeded', 'closed', 'failed']),
    description: z.string(),
    merchant_order_id: z.string(),
    merchant_account: z.string(),
    provider: z.enum(['wechatpay', 'alipay']),
    next_action: NextActionSchema,
    late: z.boolean().openapi({ description: 'Succeeded at the provider after Paymux had closed it.' }),
    amount_refunded: z.number().int(),
    provider_transaction_id: z.string().nullable(),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    expires_at: z.string(),
    paid_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Payment');

export const PaymentIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'pay_01jx…' }),
});
