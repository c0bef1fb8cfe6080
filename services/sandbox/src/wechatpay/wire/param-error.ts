import type { z } from 'zod';
import { type WechatpayError, wechatpayError } from '../errors.ts';

// WeChat names the field in Chinese in PARAM_ERROR messages, e.g. (observed)
// 输入源“/uri_template/mchid”映射到字段“直连商户号”必填性规则校验失败，此字段为必填项
const FIELD_LABELS: Record<string, string> = {
  appid: '应用ID',
  mchid: '直连商户号',
  description: '商品描述',
  out_trade_no: '商户订单号',
  transaction_id: '微信支付订单号',
  notify_url: '通知地址',
  time_expire: '交易结束时间',
  attach: '附加数据',
  amount: '订单金额',
  'amount/total': '总金额',
  'amount/currency': '货币类型',
  'amount/refund': '退款金额',
  payer: '支付者',
  'payer/openid': '用户标识',
  scene_info: '场景信息',
  'scene_info/payer_client_ip': '用户终端IP',
  'scene_info/h5_info': 'H5场景信息',
  'scene_info/h5_info/type': '场景类型',
  out_refund_no: '商户退款单号',
  reason: '退款原因',
  bill_date: '账单日期',
  bill_type: '账单类型',
  tar_type: '压缩类型',
};

export type ParamLocation = 'body' | 'query' | 'uri_template';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The first schema violation as WeChat's PARAM_ERROR (required vs. rule failures read differently). */
export function paramError(issue: z.core.$ZodIssue, input: unknown, location: ParamLocation): WechatpayError {
  return paramErrorAt(issue.path, input, location, issue.message);
}

/** PARAM_ERROR for the field at `fieldPath`: "required" when the input lacks it, else a rule failure. */
export function paramErrorAt(
  fieldPath: readonly PropertyKey[],
  input: unknown,
  location: ParamLocation,
  issue: string,
): WechatpayError {
  const path = fieldPath.map(String).join('/');
  const label = FIELD_LABELS[path] ?? path;
  const value = valueAt(input, fieldPath);
  const missing = value === undefined || value === null;
  const rule = missing ? '必填性规则校验失败，此字段为必填项' : `格式规则校验失败，${issue}`;
  return wechatpayError(400, 'PARAM_ERROR', `输入源“/${location}/${path}”映射到字段“${label}”${rule}`, {
    field: `/${path}`,
    location,
    value: missing ? '' : value,
  });
}
