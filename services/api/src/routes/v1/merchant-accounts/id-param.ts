import { z } from '@hono/zod-openapi';

/** `{id}` path parameter; its format is checked by the lookup, which answers 404 for anything unknown. */
export const MerchantAccountIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'mca_01jx…' }),
});
