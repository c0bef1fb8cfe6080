import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { describeInput } from './describe-input.ts';
import { PaymuxError } from './errors.ts';

/** Every id prefix in use; the prefix tells a reader (and a log) what an id names. */
export const ID_PREFIXES = [
  'tnt', // tenant
  'usr', // portal user
  'pay', // payment
  'rfd', // refund
  'evt', // event
  'key', // API key
  'mca', // merchant account
  'whe', // webhook endpoint
  'dlv', // webhook delivery
  'rec', // reconciliation report
  'aud', // audit log entry
  'ntf', // provider notification
  'req', // request
  'idk', // idempotency record
] as const;

export type IdPrefix = (typeof ID_PREFIXES)[number];

/** An id of a given kind, e.g. `PrefixedId<"pay">` is `pay_${string}`. */
export type PrefixedId<P extends IdPrefix = IdPrefix> = `${P}_${string}`;

// Crockford base32, lowercase: no i, l, o, u, so ids are unambiguous when read aloud.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;
const RANDOM_LIMIT = 1n << 80n;
// Within one millisecond the random part grows by a random step rather than by
// one, so seeing one id does not reveal the next; 2^32 steps leave room for
// billions of ids per millisecond before the 80-bit space overflows.
const MAX_STEP = 1n << 32n;

// First char is 0-7: 10 chars carry 50 bits but the timestamp has 48.
const BODY = '[0-7][0-9a-hjkmnp-tv-z]{25}';
const ANY_ID = new RegExp(`^(${ID_PREFIXES.join('|')})_${BODY}$`);
const ID_PATTERNS = new Map<string, RegExp>(ID_PREFIXES.map((p) => [p, new RegExp(`^${p}_${BODY}$`)]));

export interface IdGeneratorOptions {
  /** Milliseconds since the epoch; defaults to `Date.now`. */
  now?: () => number;
  /** Source of randomness; defaults to `node:crypto`. */
  randomBytes?: (size: number) => Uint8Array;
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

// CSPRNG bytes drawn 4 KiB at a time and handed out once each: one call into OpenSSL per
// ~400 ids instead of one per id (as crypto.randomUUID pools its bytes).
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let poolOffset = 0;

function pooledRandomBytes(size: number): Uint8Array {
  if (poolOffset + size > pool.length) {
    pool = cryptoRandomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return out;
}

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET.charAt(t % 32) + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(n: bigint): string {
  let out = '';
  let r = n;
  for (let i = 0; i < RANDOM_CHARS; i++) {
    out = ALPHABET.charAt(Number(r & 31n)) + out;
    r >>= 5n;
  }
  return out;
}

/**
 * Creates an independent, monotonic id generator. Use {@link newId} in
 * application code; this exists so tests can inject the clock and randomness.
 *
 * @example
 * const next = createIdGenerator({ now: () => 0 });
 * next("pay"); // "pay_0000000000…"
 */
export function createIdGenerator(
  options: IdGeneratorOptions = {},
): <P extends IdPrefix>(prefix: P) => PrefixedId<P> {
  const now = options.now ?? Date.now;
  const random = options.randomBytes ?? pooledRandomBytes;
  let lastTime = -1;
  let lastRandom = 0n;

  return <P extends IdPrefix>(prefix: P): PrefixedId<P> => {
    if (!ID_PATTERNS.has(prefix)) {
      throw new PaymuxError('internal_error', `Unknown id prefix ${describeInput(prefix)}.`);
    }
    let time = now();
    if (!Number.isSafeInteger(time) || time < 0 || time > MAX_TIME) {
      throw new PaymuxError('internal_error', 'Clock out of range for id timestamp.');
    }
    let rand: bigint;
    // A clock that stands still or steps back keeps the last timestamp, so
    // later ids still sort later.
    if (time <= lastTime) {
      time = lastTime;
      rand = lastRandom + 1n + (bytesToBigInt(random(4)) % MAX_STEP);
      if (rand >= RANDOM_LIMIT) {
        // Random space for this millisecond exhausted: borrow the next one.
        if (time === MAX_TIME) {
          throw new PaymuxError('internal_error', 'Id space exhausted.');
        }
        time += 1;
        rand = bytesToBigInt(random(10));
      }
    } else {
      rand = bytesToBigInt(random(10));
    }
    lastTime = time;
    lastRandom = rand;
    return `${prefix}_${encodeTime(time)}${encodeRandom(rand)}`;
  };
}

/**
 * A new id: `<prefix>_<26 chars>`, a 48-bit millisecond timestamp and 80
 * random bits in lowercase Crockford base32 (ULID layout). Ids made later in
 * this process always sort later as plain strings.
 *
 * @example
 * newId("pay"); // "pay_01jdq7k3m5x9c2v8n4b6t0r1ws"
 */
export const newId: <P extends IdPrefix>(prefix: P) => PrefixedId<P> = createIdGenerator();

/**
 * Strict check of an id's shape and prefix. Run it on every id that comes from
 * outside (URL path, JWT `kid`) before touching the database.
 *
 * @example
 * if (!isId("pay", c.req.param("id"))) throw paymuxError("not_found", "No such payment.");
 */
export function isId<P extends IdPrefix>(prefix: P, value: unknown): value is PrefixedId<P> {
  const pattern = ID_PATTERNS.get(prefix);
  return pattern !== undefined && typeof value === 'string' && pattern.test(value);
}

/**
 * The creation time embedded in an id.
 *
 * @example
 * idTimestamp(newId("evt")); // ≈ new Date()
 */
export function idTimestamp(id: string): Date {
  if (typeof id !== 'string' || !ANY_ID.test(id)) {
    throw new PaymuxError('invalid_request', `${describeInput(id)} is not a Paymux id.`);
  }
  const body = id.slice(id.indexOf('_') + 1);
  let ms = 0;
  for (let i = 0; i < TIME_CHARS; i++) {
    ms = ms * 32 + ALPHABET.indexOf(body.charAt(i));
  }
  return new Date(ms);
}
