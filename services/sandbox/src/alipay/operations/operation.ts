import type { AlipayApp } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';
import type { AlipayFailure } from '../failure.ts';

export interface OperationContext {
  readonly deps: SandboxDeps;
  /** Wakes the notification dispatcher after a commit that queued a notification. */
  readonly kick: () => void;
}

/** The business fields of a reply (v2 adds `code`/`msg` and wraps them; v3 sends them as they are). */
export type OperationResult =
  | { readonly ok: true; readonly fields: Record<string, unknown> }
  | { readonly ok: false; readonly failure: AlipayFailure };

/**
 * One Alipay API operation, shared by both transports. `params` are the business
 * parameters (v2 `biz_content`, v3 body or query) plus `notify_url`/`return_url`.
 */
export type Operation = (
  ctx: OperationContext,
  app: AlipayApp,
  params: Record<string, unknown>,
) => Promise<OperationResult>;

export const ok = (fields: Record<string, unknown>): OperationResult => ({ ok: true, fields });
export const fail = (failure: AlipayFailure): OperationResult => ({ ok: false, failure });

/** `query_options` as an array, whether sent as an array, a JSON array string or a comma list (v3 GET). */
export function queryOptions(params: Record<string, unknown>): string[] {
  const raw = params.query_options;
  if (Array.isArray(raw)) return raw.filter((v): v is string => typeof v === 'string');
  if (typeof raw !== 'string' || raw === '') return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed.filter((v): v is string => typeof v === 'string');
  } catch {
    // a plain comma-separated list
  }
  return raw.split(',').map((s) => s.trim());
}
