import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type {
  Deleted,
  List,
  MerchantAccount,
  MerchantAccountCreateParams,
  MerchantAccountListParams,
  MerchantAccountUpdateParams,
} from '../types.ts';
import { paginate } from './paginate.ts';

/** `/v1/merchant_accounts`: your WeChat Pay and Alipay accounts. Credentials are write-only. */
export class MerchantAccounts {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Stores credentials (encrypted); the account's mode is the API key's mode. */
  create(params: MerchantAccountCreateParams, options?: RequestOptions): Promise<MerchantAccount> {
    return this.#http.json({ method: 'POST', path: '/v1/merchant_accounts', body: params }, options);
  }

  list(params: MerchantAccountListParams = {}, options?: RequestOptions): Promise<List<MerchantAccount>> {
    return this.#http.json({ method: 'GET', path: '/v1/merchant_accounts', query: params }, options);
  }

  /** Every account, page after page. */
  listAll(params: MerchantAccountListParams = {}, options?: RequestOptions): AsyncGenerator<MerchantAccount> {
    return paginate((p) => this.list(p, options), params);
  }

  retrieve(id: string, options?: RequestOptions): Promise<MerchantAccount> {
    return this.#http.json({ method: 'GET', path: path`/v1/merchant_accounts/${id}` }, options);
  }

  /** New `credentials` replace the old ones entirely. */
  update(
    id: string,
    params: MerchantAccountUpdateParams,
    options?: RequestOptions,
  ): Promise<MerchantAccount> {
    return this.#http.json(
      { method: 'PATCH', path: path`/v1/merchant_accounts/${id}`, body: params },
      options,
    );
  }

  /** Stops routing to the account at once; its credentials are destroyed. */
  delete(id: string, options?: RequestOptions): Promise<Deleted<'merchant_account'>> {
    return this.#http.json({ method: 'DELETE', path: path`/v1/merchant_accounts/${id}` }, options);
  }

  /** Makes a signed query at the provider with the stored credentials and records `health`. */
  verify(id: string, options?: RequestOptions): Promise<MerchantAccount> {
    return this.#http.json({ method: 'POST', path: path`/v1/merchant_accounts/${id}/verify` }, options);
  }
}
