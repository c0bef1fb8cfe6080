import { z } from 'zod';

/** notify_url: an absolute http(s) URL of at most 256 characters (WeChat wants https; http passes for local tests). */
export const notifyUrl = z
  .string()
  .max(256, '长度不能超过256')
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, '必须是以http或https开头的完整URL');

/** out_trade_no: 6–32 characters of digits, letters and _-|* (WeChat's rule). */
export const outTradeNo = z
  .string()
  .regex(/^[A-Za-z0-9_\-*|]{6,32}$/, '只能是数字、大小写字母_-|*，长度6到32位');

/** out_refund_no: 1–64 characters of digits, letters and _-|*@. */
export const outRefundNo = z
  .string()
  .regex(/^[A-Za-z0-9_\-*|@]{1,64}$/, '只能是数字、大小写字母_-|*@，长度1到64位');

/** Amounts are integer fen, at least 1. */
export const fen = z.number().int('必须为整数').min(1, '必须大于0').max(100_000_000_000, '超出上限');
