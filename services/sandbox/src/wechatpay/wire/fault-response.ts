import type { Context } from 'hono';
import type { SandboxDeps } from '../../deps.ts';
import { applyFault } from '../../faults/apply-fault.ts';
import type { WechatpayEnv } from '../env.ts';
import { errors } from '../errors.ts';
import { errorBody, sendRaw } from './respond.ts';

/** WeChat Pay endpoint names for injected faults (see faults/apply-fault.ts). */
export type WechatpayEndpoint =
  | 'transactions.native'
  | 'transactions.jsapi'
  | 'transactions.h5'
  | 'transactions.app'
  | 'transactions.query'
  | 'transactions.close'
  | 'refunds.create'
  | 'refunds.query'
  | 'bill.tradebill'
  | 'bill.download'
  | 'certificates';

/**
 * Applies an injected fault for this endpoint and merchant: sleeps its latency, and when
 * it asks for an error, returns that answer (default SYSTEM_ERROR), signed like a real one.
 */
export async function faultResponse(
  c: Context<WechatpayEnv>,
  deps: SandboxDeps,
  endpoint: WechatpayEndpoint,
): Promise<Response | undefined> {
  const fault = await applyFault(deps, 'wechatpay', endpoint, c.get('merchant').mchid);
  if (!fault) return undefined;
  return sendRaw(c, deps, fault.status ?? 500, fault.body ?? errorBody(errors.systemError()));
}
