import { z } from '@hono/zod-openapi';

export const RefundSchema = z
  .object({
    id: z.string().openapi({ example: 'rfd_01jx…' }),
    object: z.literal('refund'),
    livemode: z.boolean(),
    payment: z.string(),
    amount: z.number().int(),
    currency: z.literal('CNY'),
    status: z.enum(['pending', 'succeeded', 'failed']),
    reason: z.string().nullable(),
    merchant_refund_id: z.string().nullable(),
    provider_refund_id: z.string().nullable(),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    succeeded_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Refund');

export const RefundIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'rfd_01jx…' }),
});
