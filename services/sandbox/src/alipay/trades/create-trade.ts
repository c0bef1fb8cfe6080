import type { AlipayApp, Order } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';
import { createOrder, refreshExpiry, requestHash } from '../../orders/order-store.ts';
import { parseBeijingDateTime } from '../beijing-time.ts';
import { type AlipayFailure, acq } from '../failure.ts';
import { newBuyerLogonId, newPartnerId, newTradeNo } from '../ids.ts';
import { parseAmount } from '../yuan.ts';
import { type TradeExtra, tradeStatus } from './trade-view.ts';

/** The methods that create a trade. */
export type CreatingMethod =
  | 'alipay.trade.precreate'
  | 'alipay.trade.page.pay'
  | 'alipay.trade.wap.pay'
  | 'alipay.trade.app.pay';

const OUT_TRADE_NO = /^[A-Za-z0-9_-]{1,64}$/;
const TIMEOUT_EXPRESS = /^([1-9]\d{0,4})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_TIMEOUT_MS = 15 * 86_400_000;
// Precreate's QR code lives 2 h by default; cashier orders wait up to 15 days.
const DEFAULT_TIMEOUT_MS = { precreate: 2 * 3_600_000, cashier: MAX_TIMEOUT_MS } as const;

function optionalString(
  params: Record<string, unknown>,
  key: string,
  max: number,
): string | undefined | false {
  const value = params[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) return false;
  return value;
}

function optionalUrl(params: Record<string, unknown>, key: string): string | undefined | false {
  const value = optionalString(params, key, 256);
  if (!value) return value;
  return /^https?:\/\/[^\s]+$/.test(value) ? value : false;
}

function expiry(
  method: CreatingMethod,
  params: Record<string, unknown>,
  now: Date,
): { at: Date } | { failure: AlipayFailure } {
  const timeExpire = optionalString(params, 'time_expire', 32);
  if (timeExpire === false) return { failure: acq.invalidParameter('time_expire') };
  if (timeExpire) {
    const at = parseBeijingDateTime(timeExpire);
    if (!at || at.getTime() <= now.getTime() || at.getTime() - now.getTime() > MAX_TIMEOUT_MS) {
      return { failure: acq.invalidParameter('time_expire') };
    }
    return { at };
  }
  const express = optionalString(params, 'timeout_express', 8);
  if (express === false) return { failure: acq.invalidParameter('timeout_express') };
  if (express) {
    if (express === '1c') {
      // "1c": until the end of the current Beijing day.
      const beijing = new Date(now.getTime() + 8 * 3_600_000);
      const end =
        Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth(), beijing.getUTCDate() + 1) - 8 * 3_600_000;
      return { at: new Date(end) };
    }
    const m = TIMEOUT_EXPRESS.exec(express);
    const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : 0;
    if (!m || ms > MAX_TIMEOUT_MS) return { failure: acq.invalidParameter('timeout_express') };
    return { at: new Date(now.getTime() + ms) };
  }
  const fallback =
    method === 'alipay.trade.precreate' ? DEFAULT_TIMEOUT_MS.precreate : DEFAULT_TIMEOUT_MS.cashier;
  return { at: new Date(now.getTime() + fallback) };
}

/**
 * Creates (or finds again) the trade for a precreate, page/wap pay or app pay request.
 * The same out_trade_no with the same parameters returns the same trade; with different
 * ones it is `ACQ.CONTEXT_INCONSISTENT`; a paid or closed one is refused as at Alipay.
 * The trade starts unseen (`scanned = false`): Alipay knows it once the buyer opens it.
 */
export async function createTrade(
  deps: SandboxDeps,
  app: AlipayApp,
  method: CreatingMethod,
  params: Record<string, unknown>,
): Promise<{ order: Order } | { failure: AlipayFailure }> {
  const outTradeNo = params.out_trade_no;
  if (typeof outTradeNo !== 'string' || !OUT_TRADE_NO.test(outTradeNo)) {
    return { failure: acq.invalidParameter('out_trade_no') };
  }
  const subject = optionalString(params, 'subject', 256);
  if (!subject) return { failure: acq.invalidParameter('subject') };
  const amount = parseAmount('total_amount', params.total_amount);
  if ('failure' in amount) return amount;
  const body = optionalString(params, 'body', 128);
  const passback = optionalString(params, 'passback_params', 512);
  const productCode = optionalString(params, 'product_code', 64);
  const quitUrl = optionalString(params, 'quit_url', 400);
  const notifyUrl = optionalUrl(params, 'notify_url');
  const returnUrl = optionalUrl(params, 'return_url');
  for (const [field, value] of Object.entries({
    body,
    passback_params: passback,
    product_code: productCode,
    quit_url: quitUrl,
    notify_url: notifyUrl,
    return_url: returnUrl,
  })) {
    if (value === false) return { failure: acq.invalidParameter(field) };
  }
  const now = deps.now();
  const expires = expiry(method, params, now);
  if ('failure' in expires) return expires;

  const extra: TradeExtra = {
    ...(productCode ? { product_code: productCode } : {}),
    ...(body ? { body } : {}),
    ...(quitUrl ? { quit_url: quitUrl } : {}),
    buyer_id: newPartnerId(),
    buyer_logon_id: newBuyerLogonId(),
  };
  const result = await createOrder(deps, {
    provider: 'alipay',
    merchant: app.app_id,
    outTradeNo,
    tradeNo: newTradeNo(now),
    tradeType: method,
    amount: amount.fen,
    description: subject,
    notifyUrl: notifyUrl || null,
    returnUrl: returnUrl || null,
    attach: passback || null,
    payer: extra.buyer_id,
    timeExpire: expires.at,
    requestHash: requestHash({ method, amount: amount.fen.toString(), subject, body: body || null }),
    scanned: false,
    extra: { ...extra },
  });
  if (result.kind === 'created') return { order: result.order };

  const existing = await refreshExpiry(deps, result.order);
  const status = tradeStatus(existing, deps.now());
  if (existing.status === 'paid') return { failure: acq.tradeHasSuccess() };
  if (status === 'TRADE_CLOSED') return { failure: acq.tradeHasClose() };
  if (result.kind === 'conflict') return { failure: acq.contextInconsistent() };
  return { order: existing };
}
