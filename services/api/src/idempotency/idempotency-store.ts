import { type Database, type TenantTransaction, withTenant } from '@paymux/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';

/** Which record a request addresses: keys are scoped to one tenant and one mode. */
export interface IdempotencyScope {
  readonly tenantId: string;
  readonly mode: 'test' | 'live';
  readonly key: string;
}

export interface IdempotentRequest {
  readonly method: string;
  readonly path: string;
  readonly hash: string;
}

export interface StoredResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** `null` when the body was too large (or not text) to keep. */
  readonly body: string | null;
}

/**
 * What `beginIdempotentRequest` decided. `claimed` carries the fencing token (the record's
 * `locked_until` as PostgreSQL prints it): completing or releasing only touches the record
 * while it still holds that value, so a slow first owner whose lock expired and was taken
 * over cannot overwrite or delete its successor's record.
 */
export type BeginOutcome =
  | { readonly kind: 'claimed'; readonly token: string; readonly via: 'new' | 'expired' | 'takeover' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'in_use' }
  | { readonly kind: 'mismatch' };

export interface IdempotencyTimings {
  /** How long a claim holds the key before another request may take it over. */
  readonly lockSeconds: number;
  /** Age after which a record is forgotten and its key runs afresh. */
  readonly retentionSeconds: number;
}

// A row that vanished between our insert and our lock (released by its owner) is
// retried; two rounds settle it unless the key is being released in a tight loop.
const MAX_ATTEMPTS = 3;

/**
 * Claims an Idempotency-Key or decides what to answer instead, in one short transaction
 * of its own (never held across the route's handler). Times come from the database
 * clock, the one every API process shares.
 */
export async function beginIdempotentRequest(
  db: Kysely<Database>,
  scope: IdempotencyScope,
  request: IdempotentRequest,
  timings: IdempotencyTimings,
): Promise<BeginOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const outcome = await withTenant(db, scope.tenantId, (trx) => tryBegin(trx, scope, request, timings));
    if (outcome) return outcome;
  }
  throw new Error('idempotency: the key was released repeatedly while being claimed');
}

/**
 * `beginIdempotentRequest` inside a transaction the caller owns (the tenant's): the claim
 * commits with the caller's first writes, or not at all. Under READ COMMITTED each
 * statement sees the latest commits, so a record released between our insert and our
 * lock is simply tried again in the same transaction.
 */
export async function beginIdempotentRequestIn(
  trx: TenantTransaction,
  scope: IdempotencyScope,
  request: IdempotentRequest,
  timings: IdempotencyTimings,
): Promise<BeginOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const outcome = await tryBegin(trx, scope, request, timings);
    if (outcome) return outcome;
  }
  throw new Error('idempotency: the key was released repeatedly while being claimed');
}

async function tryBegin(
  trx: TenantTransaction,
  scope: IdempotencyScope,
  request: IdempotentRequest,
  timings: IdempotencyTimings,
): Promise<BeginOutcome | undefined> {
  // A concurrent uncommitted insert of the same key makes this wait for that transaction,
  // after which the key exists (it committed) or is free (it rolled back).
  const inserted = (await claimNewKeyStatement(scope, request, timings, sql<boolean>`true`).execute(trx))
    .rows[0];
  if (inserted) return { kind: 'claimed', token: inserted.token, via: 'new' };

  const existing = await trx
    .selectFrom('idempotency_keys')
    .select([
      'request_method',
      'request_path',
      'request_hash',
      'status',
      'response_status',
      'response_headers',
      'response_body',
      sql<boolean>`created_at <= clock_timestamp() - make_interval(secs => ${timings.retentionSeconds})`.as(
        'expired',
      ),
      sql<boolean>`coalesce(locked_until > clock_timestamp(), false)`.as('locked'),
    ])
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('key', '=', scope.key)
    .forUpdate()
    .executeTakeFirst();
  if (!existing) return undefined;

  if (existing.expired) {
    // Past retention the key is free again: the record is replaced as if new.
    const token = await reclaim(trx, scope, timings, request);
    return { kind: 'claimed', token, via: 'expired' };
  }
  if (
    existing.request_hash !== request.hash ||
    existing.request_path !== request.path ||
    existing.request_method !== request.method
  ) {
    return { kind: 'mismatch' };
  }
  if (existing.status === 'completed') {
    return {
      kind: 'replay',
      response: {
        status: existing.response_status ?? 500,
        headers: existing.response_headers ?? {},
        body: existing.response_body,
      },
    };
  }
  if (existing.locked) return { kind: 'in_use' };
  // In progress with its lock run out: its process died (or stalled past the lock), so
  // this request takes the key over and runs.
  const token = await reclaim(trx, scope, timings);
  return { kind: 'claimed', token, via: 'takeover' };
}

/**
 * The claim of a key that is not yet recorded, as one data-modifying statement for a caller
 * that writes the claim together with its own first rows (a CTE of one statement, one round
 * trip): it inserts the record only where `guard` holds and returns its fencing token, or
 * returns no row when `guard` is false or the key is already recorded (then it wrote
 * nothing, and the caller goes the general way: `beginIdempotentRequestIn`). A concurrent
 * uncommitted claim of the same key makes it wait for that transaction, as `tryBegin` does.
 */
export function claimNewKeyStatement(
  scope: IdempotencyScope,
  request: IdempotentRequest,
  timings: IdempotencyTimings,
  guard: RawBuilder<boolean>,
): RawBuilder<{ token: string }> {
  // INSERT … SELECT types its parameters from the select list, so each carries its cast.
  return sql<{ token: string }>`
    insert into idempotency_keys
      (tenant_id, mode, key, request_method, request_path, request_hash, status, locked_until)
    select ${scope.tenantId}::text, ${scope.mode}::text, ${scope.key}::text, ${request.method}::text,
      ${request.path}::text, ${request.hash}::text, 'in_progress', ${lockedUntil(timings)}
    where ${guard}
    on conflict do nothing
    returning locked_until::text as token
  `;
}

/**
 * Re-arms an existing record for this request: extends the lock (a takeover), and when
 * `replacement` is given also starts the record afresh (an expired key reused).
 */
async function reclaim(
  trx: TenantTransaction,
  scope: IdempotencyScope,
  timings: IdempotencyTimings,
  replacement?: IdempotentRequest,
): Promise<string> {
  const fresh = replacement
    ? {
        request_method: replacement.method,
        request_path: replacement.path,
        request_hash: replacement.hash,
        created_at: sql<Date>`clock_timestamp()`,
        response_status: null,
        response_headers: null,
        response_body: null,
        completed_at: null,
      }
    : {};
  const row = await trx
    .updateTable('idempotency_keys')
    .set({ ...fresh, status: 'in_progress', locked_until: lockedUntil(timings) })
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('key', '=', scope.key)
    .returning(sql<string>`locked_until::text`.as('token'))
    .executeTakeFirstOrThrow();
  return row.token;
}

function lockedUntil(timings: IdempotencyTimings) {
  return sql<Date>`clock_timestamp() + make_interval(secs => ${timings.lockSeconds})`;
}

/**
 * Stores the response and marks the record completed. Returns false when the claim was
 * lost (its lock expired and another request took the key over): that request's outcome
 * is the one kept.
 */
export async function completeIdempotentRequest(
  db: Kysely<Database>,
  scope: IdempotencyScope,
  token: string,
  response: StoredResponse,
): Promise<boolean> {
  return await withTenant(db, scope.tenantId, (trx) =>
    completeIdempotentRequestIn(trx, scope, token, response),
  );
}

/**
 * `completeIdempotentRequest` inside a transaction the caller owns (the tenant's), so a
 * handler can commit its result and the key's outcome together.
 */
export async function completeIdempotentRequestIn(
  trx: TenantTransaction,
  scope: IdempotencyScope,
  token: string,
  response: StoredResponse,
): Promise<boolean> {
  const result = await completeStatement(scope, token, response, sql<boolean>`true`).execute(trx);
  return result.rows.length > 0;
}

/**
 * `completeIdempotentRequestIn` as one data-modifying statement, writing only where `guard`
 * holds (a CTE of the statement that stores the handler's result): returns a row when it
 * completed the record, none when `guard` was false or the claim was lost.
 */
export function completeStatement(
  scope: IdempotencyScope,
  token: string,
  response: StoredResponse,
  guard: RawBuilder<boolean>,
): RawBuilder<{ completed: 1 }> {
  return sql<{ completed: 1 }>`
    update idempotency_keys
    set status = 'completed', locked_until = null, response_status = ${response.status}::int,
      response_headers = ${JSON.stringify(response.headers)}::jsonb, response_body = ${response.body}::text,
      completed_at = clock_timestamp()
    where tenant_id = ${scope.tenantId} and mode = ${scope.mode} and key = ${scope.key}
      and status = 'in_progress' and locked_until = ${token}::timestamptz and ${guard}
    returning 1 as completed
  `;
}

/**
 * Deletes a claim whose request never ran (refused as invalid before its handler), so the
 * client can correct the request and send it again under the same key.
 */
export async function releaseIdempotentRequest(
  db: Kysely<Database>,
  scope: IdempotencyScope,
  token: string,
): Promise<boolean> {
  const result = await withTenant(db, scope.tenantId, (trx) =>
    trx
      .deleteFrom('idempotency_keys')
      .where('tenant_id', '=', scope.tenantId)
      .where('mode', '=', scope.mode)
      .where('key', '=', scope.key)
      .where('status', '=', 'in_progress')
      .where(sql<boolean>`locked_until = ${token}::timestamptz`)
      .executeTakeFirst(),
  );
  return result.numDeletedRows > 0n;
}
