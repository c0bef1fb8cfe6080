import type { Database } from '@paymux/db';
import { recordSuccessfulAttempts, type SuccessfulAttempt } from '@paymux/operations';
import type { Kysely } from 'kysely';

interface Waiting {
  readonly attempt: SuccessfulAttempt;
  resolve(recorded: boolean): void;
  reject(error: unknown): void;
}

/** Most successes stored by one statement. */
const MAX_BATCH = 200;

/**
 * Stores successful attempts in batches per tenant, batched naturally: the first success is
 * written at once; those that arrive while a tenant's write is in flight wait for it and go
 * in the next, as one transaction and one statement (recordSuccessfulAttempts). Idle, it
 * adds no delay; busy, a delivery costs a fraction of a round trip instead of three. Each
 * caller learns whether its own delivery was recorded (its lease still held).
 */
export class SuccessBatcher {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  readonly #waiting = new Map<string, Waiting[]>();
  readonly #writing = new Set<string>();

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db;
    this.#now = now;
  }

  record(attempt: SuccessfulAttempt): Promise<boolean> {
    const tenantId = attempt.delivery.tenant_id;
    return new Promise<boolean>((resolve, reject) => {
      const queue = this.#waiting.get(tenantId) ?? [];
      queue.push({ attempt, resolve, reject });
      this.#waiting.set(tenantId, queue);
      if (!this.#writing.has(tenantId)) void this.#write(tenantId);
    });
  }

  async #write(tenantId: string): Promise<void> {
    this.#writing.add(tenantId);
    try {
      for (;;) {
        const queue = this.#waiting.get(tenantId);
        if (!queue || queue.length === 0) {
          this.#waiting.delete(tenantId);
          return;
        }
        const batch = queue.splice(0, MAX_BATCH);
        try {
          const recorded = await recordSuccessfulAttempts(
            this.#db,
            tenantId,
            batch.map((w) => w.attempt),
            this.#now(),
          );
          for (const w of batch) w.resolve(recorded.has(w.attempt.delivery.id));
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.#writing.delete(tenantId);
    }
  }
}
