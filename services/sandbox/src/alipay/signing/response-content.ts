/**
 * Alipay signs the exact bytes of the `xxx_response` object in a v2 reply, so a verifier
 * needs that raw substring, not a re-serialisation. This finds it by scanning the JSON
 * text (strings and escapes respected), which, unlike the SDK's slicing, does not depend
 * on the length of the signature.
 *
 * @example
 * extractResponseContent('{"a_response":{"code":"10000"},"sign":"…"}', 'a_response') // '{"code":"10000"}'
 */
export function extractResponseContent(raw: string, responseKey: string): string | undefined {
  const keyAt = raw.indexOf(`"${responseKey}"`);
  if (keyAt < 0) return undefined;
  const start = raw.indexOf('{', keyAt + responseKey.length + 2);
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < raw.length; i += 1) {
    const ch = raw[i];
    if (inString) {
      if (ch === '\\') i += 1;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') depth += 1;
    else if (ch === '}') {
      depth -= 1;
      if (depth === 0) return raw.slice(start, i + 1);
    }
  }
  return undefined;
}
