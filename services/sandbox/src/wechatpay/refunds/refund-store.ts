import type { Refund } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';

export async function findRefund(
  deps: SandboxDeps,
  mchid: string,
  outRefundNo: string,
): Promise<Refund | undefined> {
  return await deps.db
    .selectFrom('refunds')
    .selectAll()
    .where('provider', '=', 'wechatpay')
    .where('merchant', '=', mchid)
    .where('out_refund_no', '=', outRefundNo)
    .executeTakeFirst();
}
