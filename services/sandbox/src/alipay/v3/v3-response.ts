import { type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { signSha256WithRsa } from '../../crypto/rsa-signature.ts';

/**
 * A v3 reply: a plain JSON body with `alipay-timestamp`, `alipay-nonce`, `alipay-trace-id`
 * and `alipay-signature` over `"<timestamp>\n<nonce>\n<body>\n"`. Error bodies are signed
 * too when the app is known (the SDK only checks 2xx ones).
 */
export function v3Reply(c: Context, status: number, body: string, now: Date, alipayPrivateKey?: KeyObject) {
  const timestamp = String(now.getTime());
  const nonce = randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'alipay-timestamp': timestamp,
    'alipay-nonce': nonce,
    'alipay-trace-id': randomBytes(16).toString('hex'),
  };
  if (alipayPrivateKey)
    headers['alipay-signature'] = signSha256WithRsa(alipayPrivateKey, `${timestamp}\n${nonce}\n${body}\n`);
  return c.body(body, status as 200, headers);
}
