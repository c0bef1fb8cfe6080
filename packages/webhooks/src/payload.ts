/** One event as the dispatcher knows it; `data` is already in its public wire shape. */
export interface WebhookEventInput {
  readonly id: string;
  readonly type: string;
  readonly createdAt: Date;
  readonly data: unknown;
}

/**
 * The exact bytes sent (and signed): JSON `{"id","type","timestamp","data"}` in that key order,
 * `timestamp` being `createdAt.toISOString()`. The same input always gives the same bytes, so a
 * retry re-sends an identical body. `data` must be JSON-serialisable (a `bigint` throws: convert
 * amounts to their wire form first); an undefined `data` is sent as `null` so the key is never lost.
 *
 * @example
 * const body = webhookBody({ id: 'evt_01…', type: 'payment.succeeded', createdAt, data: { paymentId } });
 * // <Buffer {"id":"evt_01…","type":"payment.succeeded","timestamp":"2026-…Z","data":{…}}>
 */
export function webhookBody(event: WebhookEventInput): Buffer {
  const payload = {
    id: event.id,
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    data: event.data === undefined ? null : event.data,
  };
  return Buffer.from(JSON.stringify(payload), 'utf8');
}
