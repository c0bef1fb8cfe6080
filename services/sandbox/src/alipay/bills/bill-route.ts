import { Hono } from 'hono';
import iconv from 'iconv-lite';
import { dayActivity } from '../../bills/day-activity.ts';
import type { SandboxDeps } from '../../deps.ts';
import { applyFault } from '../../faults/apply-fault.ts';
import { findApp } from '../apps/app-store.ts';
import { gbkZip } from '../gbk-zip.ts';
import { billTokenAppId, verifyBillToken } from './bill-token.ts';
import { adjustRows, billRows, renderTradeBill } from './trade-bill.ts';

/**
 * `GET /alipay/bills/{token}`: the bill zip behind a `bill_download_url`, a plain unsigned
 * GET as at Alipay (the token authenticates itself and expires after 30 s). Fault
 * endpoint name: `bill.download`.
 */
export function billRoute(deps: SandboxDeps): Hono {
  const app = new Hono();
  app.get('/bills/:token', async (c) => {
    const token = c.req.param('token');
    const appId = billTokenAppId(token);
    const owner = appId ? await findApp(deps, appId) : undefined;
    const verified = owner ? verifyBillToken(owner, token, deps.now()) : undefined;
    if (!owner || !verified) return c.text('链接已失效 (the bill link is invalid or has expired)', 403);

    const fault = await applyFault(deps, 'alipay', 'bill.download', owner.app_id);
    if (fault) return c.body(fault.body ?? 'Service Unavailable', fault.status as 503);

    const activity = await dayActivity(deps, 'alipay', owner.app_id, verified.billDate);
    const now = deps.now();
    const files = renderTradeBill({
      pid: owner.seller_id,
      billDate: verified.billDate,
      rows: adjustRows(billRows(activity), activity.adjustments),
      exportedAt: now,
    });
    const zip = gbkZip(
      [
        { name: files.detailName, data: iconv.encode(files.detail, 'gbk') },
        { name: files.summaryName, data: iconv.encode(files.summary, 'gbk') },
      ],
      new Date(now.getTime() + 8 * 3_600_000),
    );
    const fileName = `${owner.seller_id}_${verified.billDate.replaceAll('-', '')}.csv.zip`;
    return c.body(new Uint8Array(zip), 200, {
      'content-type': 'application/oct-stream',
      'content-disposition': `attachment; filename="${fileName}"`,
    });
  });
  return app;
}
