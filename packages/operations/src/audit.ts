import { newId } from '@paymux/core';
import type { Database } from '@paymux/db';
import type { Transaction } from 'kysely';
import type { Actor } from './context.ts';

export interface AuditEntry {
  readonly tenantId: string;
  readonly actor: Actor;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  /** Non-secret facts about the change (never key material or passwords). */
  readonly data?: Record<string, unknown>;
  readonly requestId?: string | undefined;
}

/** Appends an audit row inside the caller's transaction, so the change and its record commit together. */
export async function recordAudit(trx: Transaction<Database>, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      tenant_id: entry.tenantId,
      id: newId('aud'),
      actor_type: entry.actor.type,
      actor_id: entry.actor.id,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      data: JSON.stringify(entry.data ?? {}),
      request_id: entry.requestId ?? null,
    })
    .execute();
}
