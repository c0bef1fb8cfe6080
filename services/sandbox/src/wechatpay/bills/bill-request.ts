import { z } from 'zod';
import { shanghaiDate } from '../../bills/day-activity.ts';
import { type WechatpayError, wechatpayError } from '../errors.ts';
import { BILL_TYPES } from './trade-bill.ts';

export const tradeBillQuerySchema = z.object({
  bill_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '格式为YYYY-MM-DD'),
  bill_type: z.enum(BILL_TYPES, '只能是ALL、SUCCESS或REFUND').default('ALL'),
  tar_type: z.literal('GZIP', '只能是GZIP').optional(),
});

const HISTORY_DAYS = 90;

/**
 * Which bill dates exist: a day's bill is generated the next morning (today's is still
 * being made), future dates are invalid, and only about three months are kept.
 */
export function billDateError(billDate: string, now: Date): WechatpayError | undefined {
  const parsed = new Date(`${billDate}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== billDate) {
    return wechatpayError(
      400,
      'PARAM_ERROR',
      '输入源“/query/bill_date”映射到字段“账单日期”格式规则校验失败，格式为YYYY-MM-DD',
      {
        field: 'bill_date',
        location: 'query',
        value: billDate,
      },
    );
  }
  const today = shanghaiDate(now);
  if (billDate > today) return wechatpayError(400, 'INVALID_REQUEST', '参数错误，账单日期不能晚于当前日期');
  if (billDate === today) return wechatpayError(400, 'STATEMENT_CREATING', '账单生成中');
  const oldest = shanghaiDate(new Date(now.getTime() - HISTORY_DAYS * 86_400_000));
  if (billDate < oldest) return wechatpayError(400, 'INVALID_REQUEST', '参数错误，仅支持下载三个月内的账单');
  return undefined;
}
