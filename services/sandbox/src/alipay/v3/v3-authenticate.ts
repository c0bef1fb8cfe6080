import { verifySha256WithRsa } from '../../crypto/rsa-signature.ts';
import type { AlipayApp } from '../../db/schema.ts';
import type { SandboxDeps } from '../../deps.ts';
import { type AppKeys, appKeys, findApp } from '../apps/app-store.ts';
import { type AlipayFailure, invalidArgument } from '../failure.ts';
import { TIMESTAMP_WINDOW_MS } from '../gateway/authenticate.ts';

const SCHEME = 'ALIPAY-SHA256withRSA ';

export interface V3Request {
  readonly method: string;
  /** The request URL as received. */
  readonly url: string;
  readonly authorization: string | undefined;
  readonly appAuthToken: string | undefined;
  readonly body: string;
}

export type V3Auth =
  | { readonly ok: true; readonly app: AlipayApp; readonly keys: AppKeys }
  | { readonly ok: false; readonly failure: AlipayFailure; readonly keys?: AppKeys };

/** The `k=v` pairs of the authorization header before `,sign=`, and the signature. */
export function parseAuthorization(
  header: string | undefined,
): { authString: string; sign: string; fields: Record<string, string> } | undefined {
  if (!header?.startsWith(SCHEME)) return undefined;
  const rest = header.slice(SCHEME.length);
  const at = rest.lastIndexOf(',sign=');
  if (at < 0) return undefined;
  const authString = rest.slice(0, at);
  const fields: Record<string, string> = {};
  for (const pair of authString.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { authString, sign: rest.slice(at + ',sign='.length), fields };
}

/**
 * The request targets the SDK may have signed. It signs `<path>[?query]` relative to its
 * `endpoint` when there is no query, but the endpoint URL's full pathname when there is
 * one; at Alipay (endpoint without a path) both are the same. The sandbox lives under a
 * path prefix, so it accepts either form of what it received.
 */
function signedTargets(url: string): string[] {
  const { pathname, search } = new URL(url);
  const full = `${pathname}${search}`;
  const v3At = pathname.indexOf('/v3/');
  return v3At > 0 ? [full, `${pathname.slice(v3At)}${search}`] : [full];
}

/**
 * Verifies an OpenAPI v3 request: `Authorization: ALIPAY-SHA256withRSA app_id=…,nonce=…,
 * timestamp=<ms>,sign=…`, signed over `"<authString>\n<METHOD>\n<target>\n<body>\n"`
 * (plus `"<app auth token>\n"` when one is sent) with the app's key.
 */
export async function authenticateV3(deps: SandboxDeps, request: V3Request): Promise<V3Auth> {
  const parsed = parseAuthorization(request.authorization);
  if (!parsed) {
    return {
      ok: false,
      failure: invalidArgument(
        'isv.missing-signature',
        '缺少签名参数：Authorization 须为 ALIPAY-SHA256withRSA …',
        401,
      ),
    };
  }
  const { app_id: appId, nonce, timestamp } = parsed.fields;
  const app = appId ? await findApp(deps, appId) : undefined;
  if (!app) return { ok: false, failure: invalidArgument('isv.invalid-app-id', '无效的AppID参数', 401) };
  const keys = appKeys(app);
  if (!nonce)
    return { ok: false, failure: invalidArgument('isv.missing-nonce', '缺少 nonce 参数', 401), keys };
  const stamped = Number(timestamp);
  if (!/^\d{13}$/.test(timestamp ?? '') || Math.abs(stamped - deps.now().getTime()) > TIMESTAMP_WINDOW_MS) {
    return { ok: false, failure: invalidArgument('isv.invalid-timestamp', '非法的时间戳参数', 401), keys };
  }
  const tail = `${request.body}\n${request.appAuthToken ? `${request.appAuthToken}\n` : ''}`;
  const verified = signedTargets(request.url).some((target) =>
    verifySha256WithRsa(
      keys.appPublicKey,
      `${parsed.authString}\n${request.method}\n${target}\n${tail}`,
      parsed.sign,
    ),
  );
  if (!verified) {
    return {
      ok: false,
      failure: invalidArgument(
        'isv.invalid-signature',
        '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配',
        401,
      ),
      keys,
    };
  }
  return { ok: true, app, keys };
}
