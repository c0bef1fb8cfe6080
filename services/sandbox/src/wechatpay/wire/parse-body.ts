import type { z } from 'zod';
import { errors, type WechatpayError } from '../errors.ts';
import { type ParamLocation, paramError } from './param-error.ts';

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: WechatpayError };

/** Parses the raw (signed) body as JSON and checks it against a schema, failing the WeChat way. */
export function parseJsonBody<S extends z.ZodType>(raw: string, schema: S): Parsed<z.infer<S>> {
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch {
    return { ok: false, error: errors.invalidJson() };
  }
  return parseInput(input, schema, 'body');
}

export function parseInput<S extends z.ZodType>(
  input: unknown,
  schema: S,
  location: ParamLocation,
): Parsed<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const [issue] = result.error.issues;
  return { ok: false, error: issue ? paramError(issue, input, location) : errors.invalidJson() };
}
