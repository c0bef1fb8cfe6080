import type { EventType } from '@paymux/core';
import type { EventRow } from '@paymux/db';

/** The public shape of an event: `data.object` is the object as it was at that moment. */
export interface EventView {
  readonly id: string;
  readonly object: 'event';
  readonly type: EventType;
  readonly livemode: boolean;
  readonly created_at: string;
  readonly data: { object: Record<string, unknown> };
}

export function toEventView(row: EventRow): EventView {
  return {
    id: row.id,
    object: 'event',
    // The column is text, but appendEvent is its only writer and accepts only EventType.
    type: row.type as EventType,
    livemode: row.mode === 'live',
    created_at: row.created_at.toISOString(),
    data: { object: row.data },
  };
}
