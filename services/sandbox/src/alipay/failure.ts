/**
 * An Alipay error as both protocols render it: v2 puts `code`/`msg`/`sub_code`/`sub_msg`
 * inside the signed `xxx_response`; v3 answers HTTP `v3Status` with `{code, message}`.
 */
export interface AlipayFailure {
  /** v2 public code: 20000 unavailable, 40001 missing, 40002 invalid, 40004 business failed, 40006 no permission. */
  readonly code: '20000' | '40001' | '40002' | '40004' | '40006';
  readonly subCode: string;
  readonly subMsg: string;
  readonly v3Status: number;
}

const MSG = {
  '20000': 'Service Currently Unavailable',
  '40001': 'Missing Required Arguments',
  '40002': 'Invalid Arguments',
  '40004': 'Business Failed',
  '40006': 'Insufficient Permissions',
} as const;

export function v2ErrorFields(failure: AlipayFailure): Record<string, string> {
  return { code: failure.code, msg: MSG[failure.code], sub_code: failure.subCode, sub_msg: failure.subMsg };
}

/** v3 error codes drop the `isv.`/`isp.`/`aop.` family prefix (`invalid-signature`) but keep `ACQ.…`. */
export function v3ErrorBody(failure: AlipayFailure): { code: string; message: string } {
  return { code: failure.subCode.replace(/^(isv|isp|aop)\./, ''), message: failure.subMsg };
}

/** A business failure (40004), e.g. `ACQ.TRADE_NOT_EXIST`. */
export function businessFailure(subCode: string, subMsg: string, v3Status = 400): AlipayFailure {
  return { code: '40004', subCode, subMsg, v3Status };
}

/** An invalid argument at the gateway (40002), e.g. `isv.invalid-signature`. */
export function invalidArgument(subCode: string, subMsg: string, v3Status = 400): AlipayFailure {
  return { code: '40002', subCode, subMsg, v3Status };
}

/** A missing argument at the gateway (40001), e.g. `isv.missing-signature`. */
export function missingArgument(subCode: string, subMsg: string): AlipayFailure {
  return { code: '40001', subCode, subMsg, v3Status: 400 };
}

export const unavailable: AlipayFailure = {
  code: '20000',
  subCode: 'isp.unknow-error',
  subMsg: '系统繁忙',
  v3Status: 500,
};

/** Common business failures, with Alipay's own sub_msg texts. */
export const acq = {
  tradeNotExist: () => businessFailure('ACQ.TRADE_NOT_EXIST', '交易不存在'),
  tradeHasSuccess: () => businessFailure('ACQ.TRADE_HAS_SUCCESS', '交易已被支付'),
  tradeHasClose: () => businessFailure('ACQ.TRADE_HAS_CLOSE', '交易已经关闭'),
  contextInconsistent: () => businessFailure('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改'),
  tradeStatusError: (subMsg = '交易状态不合法') => businessFailure('ACQ.TRADE_STATUS_ERROR', subMsg),
  invalidParameter: (detail: string) => businessFailure('ACQ.INVALID_PARAMETER', `参数无效：${detail}`),
  totalFeeExceed: () => businessFailure('ACQ.TOTAL_FEE_EXCEED', '订单金额超过限额'),
  refundAmtNotEqualTotal: (subMsg = '退款金额超限') =>
    businessFailure('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', subMsg),
  refundFeeErr: () => businessFailure('ACQ.REASON_TRADE_REFUND_FEE_ERR', '退款金额无效'),
  discordantRepeatRequest: () => businessFailure('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致'),
} as const;
