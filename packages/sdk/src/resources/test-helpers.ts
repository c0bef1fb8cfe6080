import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type { Payment } from '../types.ts';

/** Acts as the payer on the sandbox, for test-mode payments only. */
export class TestHelperPayments {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** The payer pays: the sandbox notifies Paymux as the real provider would. */
  pay(id: string, options?: RequestOptions): Promise<Payment> {
    return this.#http.json({ method: 'POST', path: path`/v1/test_helpers/payments/${id}/pay` }, options);
  }

  /** The payment fails at the provider. */
  fail(id: string, options?: RequestOptions): Promise<Payment> {
    return this.#http.json({ method: 'POST', path: path`/v1/test_helpers/payments/${id}/fail` }, options);
  }
}

/** `/v1/test_helpers`: test mode only. */
export class TestHelpers {
  readonly payments: TestHelperPayments;

  constructor(http: HttpClient) {
    this.payments = new TestHelperPayments(http);
  }
}
