import { PaymuxError } from '@paymux/core';
import type { TenantTransaction } from '@paymux/db';
import { sealedResponseContext } from '@paymux/operations';
import { openSecret, sealSecret } from '@paymux/vault';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import type { StatusCode } from 'hono/utils/http-status';
import type { RawBuilder } from 'kysely';
import type { AppDeps, AppEnv } from '../deps.ts';
import { PROBLEM_CONTENT_TYPE, problemResponse } from '../errors/problem-response.ts';
import { IDEMPOTENCY_KEY_HEADER, readIdempotencyKey } from './idempotency-key-header.ts';
import {
  type BeginOutcome,
  beginIdempotentRequest,
  beginIdempotentRequestIn,
  claimNewKeyStatement,
  completeIdempotentRequest,
  completeIdempotentRequestIn,
  completeStatement,
  type IdempotencyScope,
  type IdempotencyTimings,
  type IdempotentRequest,
  releaseIdempotentRequest,
  type StoredResponse,
} from './idempotency-store.ts';
import { parseJsonBody, requestFingerprint } from './request-fingerprint.ts';

export interface IdempotencyOptions {
  /** How long a claim holds its key before a retry may take it over (default 60 s). */
  readonly lockSeconds?: number;
  /** How long a key is remembered (default 24 h, the contract's minimum). */
  readonly retentionSeconds?: number;
  /** Largest response body kept for replay (default 1 MiB). */
  readonly maxStoredBodyBytes?: number;
  /**
   * For responses that carry a secret shown once (a webhook signing secret): the stored
   * body is sealed with the vault (its own data key, bound to the tenant, mode and key),
   * so the replay copy is no plaintext secret at rest.
   */
  readonly sealStoredResponse?: boolean;
  /**
   * The handler claims the key itself, as the first statement of its first write
   * transaction (`c.get('idempotency').claim(trx)`), so the claim commits with that
   * transaction instead of costing one of its own. Until it claims, the handler must
   * have had no effect. A key that is not free (in use, reused for another request, or
   * already answered) makes `claim` throw, the transaction roll back, and the middleware
   * answer as it would have before the handler. A handler that stops before claiming
   * (a failing validator, an error before its first write) is settled afterwards, as if
   * the key had been claimed first.
   */
  readonly claimInHandler?: boolean;
}

/** What the middleware uses of the app's dependencies (a route passes its `deps`). */
export type IdempotencyDeps = Pick<AppDeps, 'db' | 'logger'> & Partial<Pick<AppDeps, 'vault'>>;

export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * The claimed key a handler runs under, as `c.get('idempotency')` (undefined without an
 * Idempotency-Key). A handler whose result commits in a transaction of its own can store
 * the key's outcome in that same transaction: `stage` inside it, then, once it has
 * committed, answer with `respond()`. The key then costs no transaction of its own, and
 * the result and the key's outcome commit together. A handler that does neither is
 * settled by the middleware afterwards, as before.
 *
 * @example
 * const idem = c.get('idempotency');
 * const view = await withTenant(db, tenantId, async (trx) => {
 *   const v = await update(trx);
 *   await idem?.stage(trx, 201, v);
 *   return v;
 * });
 * return idem ? idem.respond(c.json(view, 201)) : c.json(view, 201);
 */
export interface IdempotencyHandle {
  /**
   * For a route whose middleware has `claimInHandler`: claims the key inside the handler's
   * first write transaction, as its first statement. Throws when the key is not free; the
   * transaction must then roll back (let the error propagate). Otherwise the middleware
   * has already claimed the key, and this does nothing.
   */
  claim(trx: TenantTransaction): Promise<void>;
  /**
   * `claim` as a data-modifying statement, for a handler that writes its first rows and the
   * claim in one statement (one round trip): it claims only a key not yet recorded, and only
   * where `guard` holds, returning the claim's token (pass it to `claimedWith`). No row means
   * nothing was written: the handler then goes its general way, with `claim`. Undefined when
   * the middleware already claimed the key (nothing to claim).
   */
  claimStatement(guard: RawBuilder<boolean>): RawBuilder<{ token: string }> | undefined;
  /** The statement from `claimStatement` claimed the key with `token` and committed. */
  claimedWith(token: string): void;
  /** Stores `json` with `status` as the key's outcome, inside the caller's transaction. */
  stage(trx: TenantTransaction, status: 200 | 201, json: unknown): Promise<void>;
  /**
   * `stage` as a data-modifying statement that writes only where `guard` holds, returning a
   * row when it stored the outcome. Once the statement committed, `stagedWith(status, wrote)`
   * says whether it returned one (false: the claim was lost to a takeover, as in `stage`).
   */
  stageStatement(status: 200 | 201, json: unknown, guard: RawBuilder<boolean>): Promise<RawBuilder<unknown>>;
  stagedWith(status: 200 | 201, owned: boolean): void;
  /**
   * After the staging transaction committed: marks the key settled and returns `response`,
   * which must be `c.json(json, status)` of what was staged (the same bytes as stored).
   */
  respond<R extends Response>(response: R): R;
}

const DEFAULT_LOCK_SECONDS = 60;
const DEFAULT_RETENTION_SECONDS = 24 * 60 * 60;
const DEFAULT_MAX_STORED_BODY_BYTES = 1024 * 1024;

// Only headers that describe the result are replayed; Request-Id and the rest belong to
// the request being answered, not to the first one.
const STORED_HEADERS = ['content-type', 'location'] as const;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

// Problems that by contract mean "refused as malformed, nothing was done": schema
// validation, unparsable JSON, a malformed id. Like Stripe, such a request is not
// remembered, so the client can fix it and resend under the same key.
const NOT_EXECUTED_CODES = new Set(['validation_failed', 'invalid_json', 'invalid_request']);
const RETRYABLE_CODES = new Set(['rate_limited', 'provider_unavailable', 'service_unavailable']);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Idempotency-Key handling for a POST route, Stripe's semantics: the first response to a
 * key (per tenant and mode) is stored and replayed for 24 h to the same request; the same
 * key with another body or path is refused (422 `idempotency_key_reused`); a duplicate
 * arriving while the first still runs gets 409 `idempotency_key_in_use` with Retry-After.
 * Requests without the header run normally.
 *
 * Place it after `requireScope(...)`, which supplies the tenant and mode, and before the
 * route's validators (which Hono runs after all route middleware anyway):
 *
 * @example
 * createRoute({
 *   method: 'post', path: '/v1/payments',
 *   middleware: [requireScope('payments:write'), idempotent(deps)] as const,
 *   request: { headers: idempotencyHeaders, body: { … } },
 *   responses: { 201: …, ...authErrorResponses, ...idempotencyErrorResponses },
 * });
 */
export function idempotent(
  deps: IdempotencyDeps,
  options: IdempotencyOptions = {},
): MiddlewareHandler<AppEnv> {
  const timings = {
    lockSeconds: options.lockSeconds ?? DEFAULT_LOCK_SECONDS,
    retentionSeconds: options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS,
  };
  const maxStoredBodyBytes = options.maxStoredBodyBytes ?? DEFAULT_MAX_STORED_BODY_BYTES;
  if (options.sealStoredResponse && !deps.vault)
    throw new Error('idempotent(): sealStoredResponse needs deps.vault');

  return createMiddleware<AppEnv>(async (c, next) => {
    const key = readIdempotencyKey(c.req.header(IDEMPOTENCY_KEY_HEADER));
    if (key === undefined) {
      await next();
      return;
    }
    const auth = c.get('auth');
    if (!auth) throw new Error('idempotent() must follow requireScope() in a route’s middleware');
    const scope: IdempotencyScope = { tenantId: auth.tenantId, mode: auth.mode, key };

    // Read through Hono's body cache: the route's JSON validator later reads the same bytes.
    // A body that parses is cached as the text c.req.text() would give (valid UTF-8, no
    // BOM: exactly the decoded bytes), which c.req.json() parses; otherwise Hono would
    // rebuild the text from the cached bytes through a new web Response. Anything else (not
    // UTF-8, a BOM, not JSON) is left to the validator, which refuses it as before.
    const body = new Uint8Array(await c.req.arrayBuffer());
    const json = parseJsonBody(body);
    // (Hono types the cache's entries as values; it holds, and awaits, promises of them.)
    if (json) (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(json.text);
    const request = {
      method: c.req.method,
      path: c.req.path,
      hash: requestFingerprint(c.req.method, c.req.path, body, json),
    };

    const seal = options.sealStoredResponse === true;
    const handleOptions: HandleOptions = { seal, maxStoredBodyBytes, requestId: c.get('requestId') };
    const answerFor = async (outcome: Exclude<BeginOutcome, { kind: 'claimed' }>): Promise<Response> =>
      outcome.kind === 'replay'
        ? replay(c, seal ? await openStored(deps, scope, outcome.response) : outcome.response)
        : problemResponse(c, refusal(outcome.kind));
    const toKeep = async (): Promise<StoredResponse | undefined> => {
      const stored = await toStored(c, maxStoredBodyBytes);
      return stored && seal ? await sealStored(deps, scope, stored) : stored;
    };

    if (options.claimInHandler) {
      const handle = new ClaimedKey(deps, scope, { kind: 'deferred', request, timings }, handleOptions);
      c.set('idempotency', handle);
      try {
        await next();
      } catch (error) {
        if (handle.token !== undefined && !handle.settled) await settle(deps, scope, handle.token, undefined);
        throw error;
      }
      if (handle.settled) return;
      if (handle.refused) {
        // claim() threw and the handler's transaction rolled back: answer as if refused first.
        c.res = undefined;
        c.res = await answerFor(handle.refused);
        return;
      }
      const stored = await toKeep();
      if (handle.token !== undefined && (await settle(deps, scope, handle.token, stored, { logLost: false })))
        return;
      // The handler stopped before claiming, or the transaction holding its claim rolled
      // back: nothing it did was kept, so the key is settled as if claimed first.
      const outcome = await beginIdempotentRequest(deps.db, scope, request, timings);
      if (outcome.kind === 'claimed') {
        await settle(deps, scope, outcome.token, stored);
      } else if (handle.token !== undefined) {
        // Or our claim committed and then lapsed and was taken over while we ran: this
        // request's own answer is what it did.
        logLostClaim(deps, scope);
      } else {
        c.res = undefined;
        c.res = await answerFor(outcome);
      }
      return;
    }

    const outcome = await beginIdempotentRequest(deps.db, scope, request, timings);
    if (outcome.kind !== 'claimed') return await answerFor(outcome);
    if (outcome.via === 'takeover') logTakeover(deps, scope, c.get('requestId'));

    const handle = new ClaimedKey(deps, scope, { kind: 'claimed', token: outcome.token }, handleOptions);
    c.set('idempotency', handle);
    try {
      await next();
    } catch (error) {
      // Hono's compose renders every Error through onError, so this only sees non-Error
      // throws or a failing error handler: no response is known to store. Release the key
      // so a retry runs, rather than leaving it in progress until the lock runs out.
      if (!handle.settled) await settle(deps, scope, outcome.token, undefined);
      throw error;
    }
    // Stored with the handler's own result (see IdempotencyHandle).
    if (handle.settled) return;
    await settle(deps, scope, outcome.token, await toKeep());
  });
}

/** The problem answered for a key that is not free to run this request. */
function refusal(kind: 'mismatch' | 'in_use'): PaymuxError {
  return kind === 'mismatch'
    ? new PaymuxError(
        'idempotency_key_reused',
        `This ${IDEMPOTENCY_KEY_HEADER} was already used with a different request (path or body); use a new key for a new request.`,
      )
    : new PaymuxError(
        'idempotency_key_in_use',
        `A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; retry shortly to get its result.`,
        { headers: { 'Retry-After': '1' } },
      );
}

function logTakeover(deps: IdempotencyDeps, scope: IdempotencyScope, requestId: string | undefined): void {
  deps.logger.warn(
    { request_id: requestId, tenant_id: scope.tenantId, idempotency_key: scope.key },
    'idempotency key taken over: its previous request stopped before finishing',
  );
}

interface HandleOptions {
  readonly seal: boolean;
  readonly maxStoredBodyBytes: number;
  readonly requestId: string | undefined;
}

type KeyClaim =
  | { readonly kind: 'claimed'; readonly token: string }
  | { readonly kind: 'deferred'; readonly request: IdempotentRequest; readonly timings: IdempotencyTimings };

class ClaimedKey implements IdempotencyHandle {
  readonly #deps: IdempotencyDeps;
  readonly #scope: IdempotencyScope;
  readonly #claim: KeyClaim;
  readonly #options: HandleOptions;
  #staged: { readonly status: number; readonly owned: boolean } | undefined;
  /** The claim's fencing token, once claimed (by the middleware, or by `claim()`). */
  token: string | undefined;
  /** Set when `claim()` found the key not free: what the middleware answers instead. */
  refused: Exclude<BeginOutcome, { kind: 'claimed' }> | undefined;
  /** True once `respond()` answered: the key's outcome committed with the handler's result. */
  settled = false;

  constructor(deps: IdempotencyDeps, scope: IdempotencyScope, claim: KeyClaim, options: HandleOptions) {
    this.#deps = deps;
    this.#scope = scope;
    this.#claim = claim;
    this.token = claim.kind === 'claimed' ? claim.token : undefined;
    this.#options = options;
  }

  async claim(trx: TenantTransaction): Promise<void> {
    if (this.#claim.kind === 'claimed') return;
    if (this.token !== undefined || this.refused) throw new Error('idempotency: claim() called twice');
    const outcome = await beginIdempotentRequestIn(
      trx,
      this.#scope,
      this.#claim.request,
      this.#claim.timings,
    );
    if (outcome.kind === 'claimed') {
      if (outcome.via === 'takeover') logTakeover(this.#deps, this.#scope, this.#options.requestId);
      this.token = outcome.token;
      return;
    }
    this.refused = outcome;
    // Rolls the caller's transaction back; the middleware replaces the rendered error.
    throw outcome.kind === 'replay'
      ? new PaymuxError(
          'conflict',
          `This ${IDEMPOTENCY_KEY_HEADER} was already answered; its response is replayed.`,
        )
      : refusal(outcome.kind);
  }

  claimStatement(guard: RawBuilder<boolean>): RawBuilder<{ token: string }> | undefined {
    if (this.#claim.kind === 'claimed') return undefined;
    if (this.token !== undefined || this.refused) throw new Error('idempotency: claim() called twice');
    return claimNewKeyStatement(this.#scope, this.#claim.request, this.#claim.timings, guard);
  }

  claimedWith(token: string): void {
    if (this.#claim.kind === 'claimed' || this.token !== undefined)
      throw new Error('idempotency: claimedWith() without a claim statement');
    this.token = token;
  }

  async stage(trx: TenantTransaction, status: 200 | 201, json: unknown): Promise<void> {
    const stored = await this.#toStore(status, json);
    this.#staged = {
      status,
      owned: await completeIdempotentRequestIn(trx, this.#scope, this.#claimToken(), stored),
    };
  }

  async stageStatement(
    status: 200 | 201,
    json: unknown,
    guard: RawBuilder<boolean>,
  ): Promise<RawBuilder<{ completed: 1 }>> {
    return completeStatement(this.#scope, this.#claimToken(), await this.#toStore(status, json), guard);
  }

  stagedWith(status: 200 | 201, owned: boolean): void {
    this.#staged = { status, owned };
  }

  #claimToken(): string {
    // A transaction retried by its caller stages again; the committed one is answered.
    if (this.token === undefined) throw new Error('idempotency: stage() before claim()');
    return this.token;
  }

  /** c.json's bytes and content type, so the replay answers exactly what the first did. */
  async #toStore(status: 200 | 201, json: unknown): Promise<StoredResponse> {
    const response = { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) };
    const kept =
      Buffer.byteLength(response.body, 'utf8') <= this.#options.maxStoredBodyBytes
        ? response
        : { ...response, body: null };
    return this.#options.seal ? await sealStored(this.#deps, this.#scope, kept) : kept;
  }

  respond<R extends Response>(response: R): R {
    if (!this.#staged) throw new Error('idempotency: respond() before stage()');
    if (response.status !== this.#staged.status)
      throw new Error(`idempotency: staged ${this.#staged.status}, answered ${response.status}`);
    if (!this.#staged.owned) logLostClaim(this.#deps, this.#scope);
    this.settled = true;
    return response;
  }
}

function vaultOf(deps: IdempotencyDeps): NonNullable<IdempotencyDeps['vault']> {
  if (!deps.vault) throw new Error('idempotent(): sealStoredResponse needs deps.vault');
  return deps.vault;
}

async function sealStored(
  deps: IdempotencyDeps,
  scope: IdempotencyScope,
  stored: StoredResponse,
): Promise<StoredResponse> {
  if (stored.body === null) return stored;
  const envelope = await sealSecret(
    vaultOf(deps),
    Buffer.from(stored.body, 'utf8'),
    sealedResponseContext(scope),
  );
  return { ...stored, body: JSON.stringify({ sealed: envelope }) };
}

async function openStored(
  deps: IdempotencyDeps,
  scope: IdempotencyScope,
  stored: StoredResponse,
): Promise<StoredResponse> {
  if (stored.body === null) return stored;
  const { sealed } = JSON.parse(stored.body) as { sealed: unknown };
  const body = await openSecret(vaultOf(deps), sealed, sealedResponseContext(scope));
  return { ...stored, body: body.toString('utf8') };
}

/** A stored response answered again, under this request's Request-Id. */
function replay(c: Context<AppEnv>, stored: StoredResponse): Response {
  if (stored.body === null) {
    throw new PaymuxError(
      'conflict',
      `The first request with this ${IDEMPOTENCY_KEY_HEADER} completed with status ${stored.status}, but its response was too large to keep for replay; look the result up instead.`,
    );
  }
  const body = NULL_BODY_STATUSES.has(stored.status) ? null : stored.body;
  return c.newResponse(body, stored.status as StatusCode, {
    ...stored.headers,
    [IDEMPOTENT_REPLAYED_HEADER]: 'true',
  });
}

/**
 * The response to keep, or `undefined` when the request never ran: refused before its
 * handler (a failing validator, unparsable JSON, an unsupported content type) or with a
 * 400 that means "malformed, nothing done". Everything else is kept, including handler
 * 4xx (not found, conflicts: the outcome of running it) and 5xx: as at Stripe, a 500 is
 * replayed rather than re-run, because the handler may have had effects before it failed
 * and running it again could repeat them; the client retries a 5xx under a new key once
 * it has checked what happened.
 */
async function toStored(c: Context<AppEnv>, maxBodyBytes: number): Promise<StoredResponse | undefined> {
  if (c.error instanceof HTTPException && c.error.status < 500) return undefined;
  const res = c.res;
  let bytes: Uint8Array | undefined;
  try {
    bytes = new Uint8Array(await res.clone().arrayBuffer());
  } catch {
    // A body that fails to read (a broken stream) is kept as "not stored", like an
    // oversized one: the request ran, so its key must not run it again.
  }
  let text: string | null = null;
  if (bytes && bytes.byteLength <= maxBodyBytes) {
    try {
      text = utf8.decode(bytes);
    } catch {
      // Not text: kept as "completed, body not stored" like an oversized body.
    }
  }
  if (res.status === 400 && isProblem(res) && NOT_EXECUTED_CODES.has(problemCode(text) ?? ''))
    return undefined;
  // Retryable refusals (429, and 503 such as provider_unavailable) promise that nothing
  // durable happened and invite a retry: the key is released so that retry runs again
  // instead of replaying the refusal for 24 h.
  if (
    (res.status === 429 || res.status === 503) &&
    isProblem(res) &&
    RETRYABLE_CODES.has(problemCode(text) ?? '')
  )
    return undefined;
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: res.status, headers, body: text };
}

function isProblem(res: Response): boolean {
  return (res.headers.get('content-type') ?? '').startsWith(PROBLEM_CONTENT_TYPE);
}

function problemCode(text: string | null): string | undefined {
  if (text === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (
      parsed !== null &&
      typeof parsed === 'object' &&
      'code' in parsed &&
      typeof parsed.code === 'string'
    ) {
      return parsed.code;
    }
  } catch {
    // Not a problem document after all.
  }
  return undefined;
}

/**
 * Completes the record with the response, or releases it when the request never ran.
 * A failure here is logged, not answered: the client already has the real outcome, and
 * the record's lock runs out so that a retry can take the key over.
 */
async function settle(
  deps: IdempotencyDeps,
  scope: IdempotencyScope,
  token: string,
  response: StoredResponse | undefined,
  { logLost = true }: { readonly logLost?: boolean } = {},
): Promise<boolean> {
  try {
    const owned = response
      ? await completeIdempotentRequest(deps.db, scope, token, response)
      : await releaseIdempotentRequest(deps.db, scope, token);
    if (!owned && logLost) logLostClaim(deps, scope);
    return owned;
  } catch (error) {
    deps.logger.error(
      { err: error, tenant_id: scope.tenantId, idempotency_key: scope.key },
      'could not record the outcome of an idempotent request',
    );
    // Nothing more can be done for this key now; its lock runs out for a retry.
    return true;
  }
}

function logLostClaim(deps: IdempotencyDeps, scope: IdempotencyScope): void {
  deps.logger.warn(
    { tenant_id: scope.tenantId, idempotency_key: scope.key },
    'idempotency key was taken over while this request ran (its lock expired); its response was not stored',
  );
}
