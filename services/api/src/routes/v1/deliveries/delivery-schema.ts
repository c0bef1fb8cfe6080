import { z } from '@hono/zod-openapi';

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ example: 'dlv_01jx5v6k8m9n0p1q2r3s4t5v6w' }),
    object: z.literal('delivery'),
    event: z
      .string()
      .openapi({ description: 'The event id, also the `webhook-id` header of every attempt.' }),
    webhook_endpoint: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    last_attempt_at: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    response_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    livemode: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Delivery');

export const AttemptSchema = z
  .object({
    number: z.number().int(),
    trigger: z.enum(['scheduled', 'manual']),
    url: z.string(),
    started_at: z.string(),
    latency_ms: z.number().int(),
    status_code: z.number().int().nullable(),
    error_class: z.string().nullable(),
    error_message: z.string().nullable(),
    response_body: z.string().openapi({ description: 'The first 4 KB of your endpoint’s response.' }),
  })
  .openapi('DeliveryAttempt');

export const DeliveryWithAttemptsSchema = DeliverySchema.extend({
  attempt_log: z.array(AttemptSchema).openapi({ description: 'The latest 50 attempts, newest first.' }),
}).openapi('DeliveryWithAttempts');

export const DeliveryIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'dlv_01jx…' }),
});
