import { createHash } from 'node:crypto';

/**
 * A JSON value serialised with object keys sorted (recursively) and no whitespace, so two
 * bodies that differ only in key order or formatting, which the route reads identically,
 * count as the same request. Written out by hand rather than by rebuilding objects: a
 * `"__proto__"` key would otherwise set a prototype instead of a property.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as parsed JSON, with the text it was parsed from, or `undefined` when it is
 * empty, not UTF-8 or not JSON. A byte-order mark is kept in the text, where `JSON.parse`
 * refuses it.
 */
export function parseJsonBody(body: Uint8Array): { value: unknown; text: string } | undefined {
  if (body.byteLength === 0) return undefined;
  try {
    const text = utf8.decode(body);
    return { value: JSON.parse(text), text };
  } catch {
    return undefined;
  }
}

/**
 * SHA-256 (hex) identifying a request for Idempotency-Key matching: method, path, and the
 * body in canonical JSON form, or its raw bytes when it is empty or not JSON. Each part is
 * length-prefixed and the body tagged with its form, so no two different requests can
 * concatenate to the same input.
 *
 * @example
 * requestFingerprint('POST', '/v1/payments', new TextEncoder().encode('{"amount":100}'));
 */
export function requestFingerprint(
  method: string,
  path: string,
  body: Uint8Array,
  /** `parseJsonBody(body)`, when the caller has it already. */
  json: { value: unknown } | undefined = parseJsonBody(body),
): string {
  const hash = createHash('sha256');
  const part = (bytes: Uint8Array | string) => {
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    hash.update(`${buffer.byteLength}:`);
    hash.update(buffer);
  };
  part(method.toUpperCase());
  part(path);
  if (json) {
    part('json');
    part(canonicalJson(json.value));
  } else {
    part('raw');
    part(body);
  }
  return hash.digest('hex');
}
