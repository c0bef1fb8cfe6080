import { payerPageUrl } from '../../pages/payer-page.ts';
import { createTrade } from '../trades/create-trade.ts';
import { fail, type Operation, ok } from './operation.ts';

/** `alipay.trade.precreate`: a QR code for the buyer to scan (here, the payer page's URL). */
export const precreate: Operation = async ({ deps }, app, params) => {
  const created = await createTrade(deps, app, 'alipay.trade.precreate', params);
  if ('failure' in created) return fail(created.failure);
  return ok({
    out_trade_no: created.order.out_trade_no,
    qr_code: payerPageUrl(deps.config.publicUrl, created.order),
  });
};
