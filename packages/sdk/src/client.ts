import { type PrivateKeyInput, parseApiKey } from './auth/api-key.ts';
import { TokenMinter } from './auth/token-minter.ts';
import { type FetchLike, HttpClient, type RequestOptions } from './http/http-client.ts';
import { Deliveries } from './resources/deliveries.ts';
import { Events } from './resources/events.ts';
import { MerchantAccounts } from './resources/merchant-accounts.ts';
import { Payments } from './resources/payments.ts';
import { ReconciliationReports } from './resources/reconciliation-reports.ts';
import { Refunds } from './resources/refunds.ts';
import { TestHelpers } from './resources/test-helpers.ts';
import { WebhookEndpoints } from './resources/webhook-endpoints.ts';
import type { Whoami } from './types.ts';
import { SDK_VERSION } from './version.ts';
import { Webhooks } from './webhooks/verify-webhook.ts';

export interface PaymuxOptions {
  /**
   * The API key's private key: a private JWK (object or JSON string), or the whole JSON that
   * `paymux api-key create` prints (`{id, alg, private_jwk}`), object or string.
   */
  readonly privateKey: PrivateKeyInput;
  /** The API key id (`key_…`), the JWT `kid`. Optional when `privateKey` carries it. */
  readonly keyId?: string;
  /** The Paymux server, e.g. `https://paymux.example.com` or `http://localhost:4000`. */
  readonly baseUrl: string;
  /** JWT `aud`: the server's `PAYMUX_JWT_AUDIENCE` (default `paymux`). */
  readonly audience?: string;
  /** Per-attempt timeout, headers and body included (default 30 000 ms). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt for network errors, timeouts, 409 in-use, 429 and 5xx (default 3). */
  readonly maxRetries?: number;
  /** A `fetch` to use instead of the global one (to proxy, instrument or test). */
  readonly fetch?: FetchLike;
  /** The clock for token timestamps (default: the system clock). */
  readonly now?: () => Date;
}

/**
 * The Paymux API client. It signs a short-lived JWT with your API key (reused for ~4.5 min),
 * sends an `Idempotency-Key` on every POST, and retries safe failures with backoff.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { Paymux } from '@paymux/sdk';
 *
 * const paymux = new Paymux({
 *   privateKey: readFileSync('paymux-key.json', 'utf8'), // what `paymux api-key create` printed
 *   baseUrl: 'http://localhost:4000',
 * });
 * const payment = await paymux.payments.create({
 *   amount: 100, currency: 'CNY', channel: 'alipay.qr', description: 'Tea', merchant_order_id: 'order-1',
 * });
 */
export class Paymux {
  readonly merchantAccounts: MerchantAccounts;
  readonly payments: Payments;
  readonly refunds: Refunds;
  readonly events: Events;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly deliveries: Deliveries;
  readonly reconciliationReports: ReconciliationReports;
  readonly testHelpers: TestHelpers;
  readonly webhooks: Webhooks;
  /** The API key id requests are signed with. */
  readonly keyId: string;
  readonly #http: HttpClient;

  constructor(options: PaymuxOptions) {
    if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError('Paymux: baseUrl must be an http(s) URL, e.g. "http://localhost:4000"');
    }
    const key = parseApiKey(options.privateKey, options.keyId);
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function')
      throw new TypeError('Paymux: no fetch available; pass options.fetch');
    this.keyId = key.keyId;
    this.#http = new HttpClient({
      baseUrl: options.baseUrl,
      fetch: fetchImpl,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 3,
      tokens: new TokenMinter({
        key,
        audience: options.audience ?? 'paymux',
        now: options.now ?? (() => new Date()),
      }),
      userAgent: `paymux-node/${SDK_VERSION} node/${process.version}`,
    });
    this.merchantAccounts = new MerchantAccounts(this.#http);
    this.payments = new Payments(this.#http);
    this.refunds = new Refunds(this.#http);
    this.events = new Events(this.#http);
    this.webhookEndpoints = new WebhookEndpoints(this.#http);
    this.deliveries = new Deliveries(this.#http);
    this.reconciliationReports = new ReconciliationReports(this.#http);
    this.testHelpers = new TestHelpers(this.#http);
    this.webhooks = new Webhooks();
  }

  /** Which tenant, key, mode and scopes the client's key resolves to. A good first call. */
  whoami(options?: RequestOptions): Promise<Whoami> {
    return this.#http.json({ method: 'GET', path: '/v1/whoami' }, options);
  }
}
