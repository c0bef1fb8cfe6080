import { randomInt } from 'node:crypto';
import { beijingCompactDate } from './beijing-time.ts';

function digits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += String(randomInt(10));
  return out;
}

/** An open-platform app id: `2021` + 12 digits, like the ids Alipay issues today. */
export function newAppId(): string {
  return `2021${digits(12)}`;
}

/** A partner (PID / seller_id / buyer_id) id: `2088` + 12 digits. */
export function newPartnerId(): string {
  return `2088${digits(12)}`;
}

/** A trade number as Alipay forms them: Beijing date, `22001`, 15 digits (28 characters). */
export function newTradeNo(now: Date): string {
  return `${beijingCompactDate(now)}22001${digits(15)}`;
}

/** A notify_id: Beijing date and 26 digits, like `2019081500222155624068450559358070`. */
export function newNotifyId(now: Date): string {
  return `${beijingCompactDate(now)}00222${digits(21)}`;
}

/** Internal id of a refund (Alipay shows none to the merchant; the sandbox's table needs one). */
export function newRefundId(now: Date): string {
  return `${beijingCompactDate(now)}RF${digits(18)}`;
}

/** The simulated buyer's masked login id, e.g. `sbx***@sandbox.alipay`. */
export function newBuyerLogonId(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let prefix = '';
  for (let i = 0; i < 3; i += 1) prefix += letters[randomInt(letters.length)];
  return `${prefix}***@sandbox.alipay`;
}
