import { billDownloadUrl } from './bill-download-url.ts';
import { closeTrade } from './close-trade.ts';
import type { Operation } from './operation.ts';
import { precreate } from './precreate.ts';
import { queryRefund } from './query-refund.ts';
import { queryTrade } from './query-trade.ts';
import { refundTrade } from './refund-trade.ts';

/** The server-to-server methods, by gateway method name (also their fault endpoint names). */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'alipay.trade.precreate': precreate,
  'alipay.trade.query': queryTrade,
  'alipay.trade.close': closeTrade,
  'alipay.trade.refund': refundTrade,
  'alipay.trade.fastpay.refund.query': queryRefund,
  'alipay.data.dataservice.bill.downloadurl.query': billDownloadUrl,
};
