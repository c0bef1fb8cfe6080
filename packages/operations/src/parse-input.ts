import { PaymuxError } from '@paymux/core';
import type { z } from 'zod';

/** Parses operation input with a zod schema; failures become one `validation_failed` with field errors. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  throw new PaymuxError('validation_failed', fields.map((f) => `${f.path}: ${f.message}`).join('; '), {
    fields,
  });
}
