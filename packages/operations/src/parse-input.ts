import { type FieldError, PaymuxError } from '@paymux/core';
import type { z } from 'zod';

/**
 * zod issues as field errors: one entry per field, and one per unknown key (zod reports
 * them together at the parent), so a client sees `{path: "colour", message: "unknown field"}`.
 */
export function fieldErrorsFromZod(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const fields: FieldError[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        fields.push({ path: base ? `${base}.${key}` : key, message: 'unknown field' });
    } else {
      fields.push({ path: base || '(root)', message: issue.message });
    }
  }
  return fields;
}

/** One `validation_failed` error carrying the field errors. */
export function validationError(issues: readonly z.core.$ZodIssue[]): PaymuxError {
  const fields = fieldErrorsFromZod(issues);
  return new PaymuxError('validation_failed', fields.map((f) => `${f.path}: ${f.message}`).join('; '), {
    fields,
  });
}

/** Parses operation input with a zod schema; failures become one `validation_failed` with field errors. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationError(result.error.issues);
}
