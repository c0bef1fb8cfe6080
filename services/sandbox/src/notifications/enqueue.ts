import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Notification, SandboxDatabase, SandboxProvider } from '../db/schema.ts';

export interface NewNotification {
  readonly provider: SandboxProvider;
  readonly merchant: string;
  readonly kind: 'transaction' | 'refund' | 'probe';
  /** out_trade_no or out_refund_no. */
  readonly ref: string;
  readonly url: string;
  readonly contentType: string;
  readonly body: string;
  /** Stored but not sent until released (the order withholds its notifications). */
  readonly withheld?: boolean;
  readonly signtest?: boolean;
  readonly now: Date;
}

/** Queues a notification; call inside the transaction that made the state change it reports. */
export async function enqueueNotification(
  db: Kysely<SandboxDatabase> | Transaction<SandboxDatabase>,
  input: NewNotification,
): Promise<Notification> {
  return await db
    .insertInto('notifications')
    .values({
      id: randomUUID(),
      provider: input.provider,
      merchant: input.merchant,
      kind: input.kind,
      ref: input.ref,
      url: input.url,
      content_type: input.contentType,
      body: input.body,
      status: input.withheld ? 'withheld' : 'pending',
      next_attempt_at: input.now,
      signtest: input.signtest ?? false,
      created_at: input.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
