/**
 * WeChat Pay v3's error model: an HTTP status plus `{"code","message","detail"?}`.
 * Branching code must use `code` (the same code has several messages in the wild).
 */
export interface WechatpayError {
  readonly status: 400 | 401 | 403 | 404 | 429 | 500;
  readonly code: string;
  readonly message: string;
  /** Only PARAM_ERROR / INVALID_REQUEST carry one: `{field, value, issue, location}`. */
  readonly detail?: Record<string, unknown>;
}

export function wechatpayError(
  status: WechatpayError['status'],
  code: string,
  message: string,
  detail?: Record<string, unknown>,
): WechatpayError {
  return detail === undefined ? { status, code, message } : { status, code, message, detail };
}

/** The errors more than one endpoint answers with. Messages are WeChat's own (observed or documented). */
export const errors = {
  systemError: () => wechatpayError(500, 'SYSTEM_ERROR', '系统错误'),
  orderNotExist: () => wechatpayError(404, 'ORDER_NOT_EXIST', '订单不存在'),
  mchidMismatch: (location: 'body' | 'query', value: unknown) =>
    wechatpayError(400, 'PARAM_ERROR', 'http header中的mchid与post payload中的mchid不匹配', {
      field: 'mchid',
      location,
      value,
    }),
  invalidJson: () =>
    wechatpayError(400, 'PARAM_ERROR', '请求体格式错误，不是合法的JSON', {
      location: 'body',
      issue: 'invalid JSON',
    }),
} as const;
