import { z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '@paymux/core';

export const EventTypeSchema = z.enum(EVENT_TYPES).openapi('EventType');

export const WebhookEndpointSchema = z
  .object({
    id: z.string().openapi({ example: 'whe_01jx5v6k8m9n0p1q2r3s4t5v6w' }),
    object: z.literal('webhook_endpoint'),
    url: z.string().openapi({ example: 'https://shop.example/webhooks/paymux' }),
    enabled_events: z
      .array(EventTypeSchema)
      .openapi({ description: 'Event types delivered; every type when empty.' }),
    description: z.string().nullable(),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z.enum(['manual', 'gone', 'failing']).nullable().openapi({
      description:
        '`manual`: disabled by you; `gone`: the endpoint answered 410; `failing`: five days of nothing but failures.',
    }),
    disabled_at: z.string().nullable(),
    failing_since: z.string().nullable().openapi({
      description:
        'Since when every attempt has failed (null after any success); five days of it disables the endpoint.',
    }),
    previous_secret_expires_at: z.string().nullable().openapi({
      description: 'After a rotation: until then, deliveries are signed with the previous secret too.',
    }),
    livemode: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebhookEndpoint');

export const WebhookEndpointWithSecretSchema = WebhookEndpointSchema.extend({
  secret: z.string().openapi({
    description: 'The signing secret (`whsec_…`). Shown only in this response: store it now.',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  }),
}).openapi('WebhookEndpointWithSecret');

export const WebhookEndpointIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'whe_01jx…' }),
});

export const UrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .openapi({
    description:
      'Where events are POSTed. https in live mode (http is allowed in test mode); ports 80, 443 or 1024–65535; ' +
      'no credentials; never a private, loopback, link-local or metadata address (checked now and at every connection).',
  });
