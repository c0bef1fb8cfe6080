import { verifySha256WithRsa } from '../../crypto/rsa-signature.ts';
import type { AlipayApp } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';
import { type AppKeys, appKeys, findApp } from '../apps/app-store.ts';
import { parseBeijingDateTime } from '../beijing-time.ts';
import { type AlipayFailure, invalidArgument, missingArgument } from '../failure.ts';
import { REQUEST_EXCLUDED, signContent } from '../signing/sign-content.ts';

/** How far a request's timestamp may be from the sandbox clock (Beijing time on both sides). */
export const TIMESTAMP_WINDOW_MS = 15 * 60_000;

export type GatewayAuth =
  | { readonly ok: true; readonly app: AlipayApp; readonly keys: AppKeys }
  /** `app` is set when Alipay knows the app, and so signs its error reply. */
  | {
      readonly ok: false;
      readonly failure: AlipayFailure;
      readonly app?: AlipayApp;
      readonly keys?: AppKeys;
    };

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * Checks a v2 request's common parameters and its RSA2 signature the way the gateway
 * does: the app must exist; `sign_type` RSA2, `charset` utf-8, `version` 1.0; `timestamp`
 * is Beijing time within 15 minutes of now; and the signature covers every parameter but
 * `sign`, sorted, with **empty values left out** (so a request that signed `return_url=`
 * fails, as it does at Alipay).
 */
export async function authenticateGateway(
  deps: SandboxDeps,
  params: Record<string, string>,
): Promise<GatewayAuth> {
  const appId = params.app_id;
  if (!appId) return { ok: false, failure: missingArgument('isv.missing-app-id', '缺少AppID参数') };
  const app = await findApp(deps, appId);
  if (!app) return { ok: false, failure: invalidArgument('isv.invalid-app-id', '无效的AppID参数') };
  const keys = appKeys(app);
  const refuse = (failure: AlipayFailure): GatewayAuth => ({ ok: false, failure, app, keys });

  if (!params.sign) return refuse(missingArgument('isv.missing-signature', '缺少签名参数'));
  if (!params.sign_type) return refuse(missingArgument('isv.missing-signature-type', '缺少签名类型参数'));
  if (params.sign_type !== 'RSA2') {
    return refuse(invalidArgument('isv.invalid-signature-type', '无效的签名类型参数：沙箱应用只支持 RSA2'));
  }
  if (params.charset !== undefined && params.charset.toLowerCase() !== 'utf-8') {
    return refuse(invalidArgument('isv.invalid-charset', '字符集错误：沙箱只支持 utf-8'));
  }
  if (!params.version) return refuse(missingArgument('isv.missing-version', '缺少版本参数'));
  if (params.version !== '1.0') return refuse(invalidArgument('isv.invalid-version', '版本号错误'));
  if (params.format !== undefined && params.format.toUpperCase() !== 'JSON') {
    return refuse(invalidArgument('isv.invalid-format', '无效的数据格式'));
  }
  if (!params.timestamp) return refuse(missingArgument('isv.missing-timestamp', '缺少时间戳参数'));
  const stamped = parseBeijingDateTime(params.timestamp);
  if (!stamped || Math.abs(stamped.getTime() - deps.now().getTime()) > TIMESTAMP_WINDOW_MS) {
    return refuse(invalidArgument('isv.invalid-timestamp', '非法的时间戳参数'));
  }
  const content = signContent(params, REQUEST_EXCLUDED);
  if (!verifySha256WithRsa(keys.appPublicKey, content, params.sign)) {
    return refuse(
      invalidArgument(
        'isv.invalid-signature',
        `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${escapeHtml(content)}`,
      ),
    );
  }
  return { ok: true, app, keys };
}
