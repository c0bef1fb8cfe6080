import { shanghaiDate } from '../../bills/day-activity.ts';
import { BILL_LINK_TTL_MS, issueBillToken } from '../bills/bill-token.ts';
import { businessFailure } from '../failure.ts';
import { fail, type Operation, ok } from './operation.ts';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const FIRST_BILL_DAY = '2016-01-01';

function isRealDay(date: string): boolean {
  const m = DAY.exec(date);
  if (!m) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

/**
 * `alipay.data.dataservice.bill.downloadurl.query` for `bill_type=trade` day bills: a
 * short-lived link to the zip. Bills exist only for past Beijing days (T+1).
 */
export const billDownloadUrl: Operation = async ({ deps }, app, params) => {
  const billType = params.bill_type;
  const billDate = params.bill_date;
  if (billType !== 'trade') {
    return fail(businessFailure('isv.invalid-arguments', '入参不合法：沙箱只提供 bill_type=trade 的账单'));
  }
  if (typeof billDate !== 'string' || !isRealDay(billDate)) {
    return fail(
      businessFailure('isv.invalid-arguments', '入参不合法：bill_date 须为 yyyy-MM-dd 的日账单日期'),
    );
  }
  const now = deps.now();
  if (billDate >= shanghaiDate(now) || billDate < FIRST_BILL_DAY) {
    return fail(businessFailure('isp.bill_not_exist', '账单不存在'));
  }
  const token = issueBillToken(app, billDate, new Date(now.getTime() + BILL_LINK_TTL_MS));
  return ok({ bill_download_url: `${deps.config.publicUrl}/alipay/bills/${token}` });
};
