import { type HttpClient, path, type RequestOptions } from '../http/http-client.ts';
import type {
  List,
  ReconciliationReport,
  ReconciliationReportCreateParams,
  ReconciliationReportListParams,
} from '../types.ts';
import { paginate } from './paginate.ts';

/** `/v1/reconciliation_reports`: the provider's bill for a day, matched against Paymux's records. */
export class ReconciliationReports {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Runs reconciliation on demand for one merchant account and day (reports are also made daily). */
  create(params: ReconciliationReportCreateParams, options?: RequestOptions): Promise<ReconciliationReport> {
    return this.#http.json({ method: 'POST', path: '/v1/reconciliation_reports', body: params }, options);
  }

  list(
    params: ReconciliationReportListParams = {},
    options?: RequestOptions,
  ): Promise<List<ReconciliationReport>> {
    return this.#http.json({ method: 'GET', path: '/v1/reconciliation_reports', query: params }, options);
  }

  listAll(
    params: ReconciliationReportListParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<ReconciliationReport> {
    return paginate((p) => this.list(p, options), params);
  }

  retrieve(id: string, options?: RequestOptions): Promise<ReconciliationReport> {
    return this.#http.json({ method: 'GET', path: path`/v1/reconciliation_reports/${id}` }, options);
  }

  /** The report's rows as CSV (`Accept: text/csv`). */
  retrieveCsv(id: string, options?: RequestOptions): Promise<string> {
    return this.#http.text(
      { method: 'GET', path: path`/v1/reconciliation_reports/${id}`, accept: 'text/csv' },
      options,
    );
  }
}
