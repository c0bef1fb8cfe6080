import { type EventType, newId } from '@paymux/core';
import type { Database, EventRow } from '@paymux/db';
import type { Transaction } from 'kysely';

/**
 * Appends an event inside the transaction that made the change it reports, so a state
 * change and its event commit together or not at all (webhook deliveries will be queued
 * here too). Events are immutable: the app role may insert and read, nothing else.
 */
export async function appendEvent(
  trx: Transaction<Database>,
  event: {
    tenantId: string;
    mode: 'test' | 'live';
    type: EventType;
    objectId: string;
    data: Record<string, unknown>;
  },
): Promise<EventRow> {
  return await trx
    .insertInto('events')
    .values({
      tenant_id: event.tenantId,
      id: newId('evt'),
      mode: event.mode,
      type: event.type,
      object_id: event.objectId,
      data: JSON.stringify(event.data),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
