import type { Context } from 'hono';
import type { z } from 'zod';

/** An admin JSON body checked against a schema; an empty body counts as `{}`. */
export async function readAdminBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<{ ok: true; value: z.infer<S> } | { ok: false; message: string }> {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== '') {
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false, message: 'body is not JSON' };
    }
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    message: result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
  };
}

export const adminError = (code: string, message: string) => ({ code, message });
