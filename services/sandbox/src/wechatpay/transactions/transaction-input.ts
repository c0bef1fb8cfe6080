import { z } from 'zod';
import { fen, notifyUrl, outTradeNo } from '../wire/field-rules.ts';

/** The four "place an order" products and the trade_type WeChat reports for each. */
export const TRADE_TYPES = { native: 'NATIVE', jsapi: 'JSAPI', h5: 'MWEB', app: 'APP' } as const;
export type Product = keyof typeof TRADE_TYPES;

const common = {
  appid: z.string().min(1).max(32),
  mchid: z.string().min(1).max(32),
  description: z.string().min(1).max(127, '长度不能超过127'),
  out_trade_no: outTradeNo,
  time_expire: z.string().optional(),
  attach: z.string().max(128, '长度不能超过128').optional(),
  notify_url: notifyUrl,
  goods_tag: z.string().max(32).optional(),
  support_fapiao: z.boolean().optional(),
  amount: z.looseObject({ total: fen, currency: z.literal('CNY', '目前只支持CNY').optional() }),
};

// Unknown fields (detail, settle_info, …) are accepted and ignored, as WeChat does.
const sceneInfo = z.looseObject({
  payer_client_ip: z.string().min(1).max(45),
  device_id: z.string().optional(),
});

export const TRANSACTION_SCHEMAS = {
  native: z.looseObject({ ...common, scene_info: sceneInfo.optional() }),
  app: z.looseObject({ ...common, scene_info: sceneInfo.optional() }),
  jsapi: z.looseObject({
    ...common,
    payer: z.looseObject({ openid: z.string().min(1).max(128) }),
    scene_info: sceneInfo.optional(),
  }),
  h5: z.looseObject({
    ...common,
    scene_info: sceneInfo.extend({ h5_info: z.looseObject({ type: z.string().min(1).max(32) }) }),
  }),
} as const;

export type TransactionRequest =
  | z.infer<(typeof TRANSACTION_SCHEMAS)['jsapi']>
  | z.infer<(typeof TRANSACTION_SCHEMAS)['h5']>;

/**
 * The parameters that make "the same order": re-placing an out_trade_no with all of
 * these unchanged returns the original prepay result, any change is a duplicate.
 */
export function orderIdentity(
  product: Product,
  body: Record<string, unknown> & { amount: { total: number } },
) {
  const payer = body.payer as { openid?: string } | undefined;
  return {
    trade_type: TRADE_TYPES[product],
    appid: body.appid,
    description: body.description,
    total: body.amount.total,
    attach: body.attach ?? null,
    openid: payer?.openid ?? null,
    time_expire: body.time_expire ?? null,
  };
}
