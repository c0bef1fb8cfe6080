import { z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '@paymux/core';

export const EventTypeSchema = z.enum(EVENT_TYPES).openapi('EventType');

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: 'evt_01jx…' }),
    object: z.literal('event'),
    type: EventTypeSchema,
    livemode: z.boolean(),
    created_at: z.string(),
    data: z
      .object({
        object: z.record(z.string(), z.unknown()).openapi({
          description:
            'The object (payment, refund, …) exactly as it was when the event happened: a snapshot, ' +
            'not its current state. Retrieve the object itself for that.',
        }),
      })
      .openapi({ description: 'What the event is about.' }),
  })
  .openapi('Event', {
    description:
      'Something that happened to one of your objects. Events are immutable and kept at least ' +
      '30 days (today none is ever deleted); the same event is what webhooks deliver.',
  });

export const EventIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'evt_01jx…' }),
});
