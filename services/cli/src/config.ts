import { isIP } from 'node:net';
import { z } from 'zod';

/** A configuration problem: reported as one line naming the variable, then exit 1. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const postgresUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL with a host');

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

// Ports the WHATWG Fetch standard refuses to connect to (fetch() fails with "bad port"): the
// server calls itself on PUBLIC_URL (test mode reaches the built-in sandbox there).
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

const port = z
  .string()
  .regex(/^\d+$/, 'must be an integer between 1 and 65535')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 65535, 'must be an integer between 1 and 65535')
  .refine(
    (n) => !FETCH_BAD_PORTS.has(n),
    'is a port fetch() refuses to connect to (a WHATWG "bad port"); pick another',
  );

const masterKey = z.string().refine((value) => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === 32;
}, 'must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');

const cidrs = (v: string) =>
  v
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
const validCidrs = (list: string[]) =>
  list.every((c) => {
    const [address = '', bits] = c.split('/');
    const family = isIP(address);
    if (family === 0) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return /^\d+$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
  });

const schema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  PORT: port.default(4000),
  PUBLIC_URL: httpUrl.optional(),
  PAYMUX_MASTER_KEY: masterKey.optional(),
  PAYMUX_MASTER_KEY_PREVIOUS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .refine(
      (keys) => keys.every((k) => masterKey.safeParse(k).success),
      'must be comma-separated 32-byte base64 keys',
    )
    .optional(),
  PAYMUX_DATA_DIR: z.string().min(1).default('.paymux'),
  PAYMUX_JWT_AUDIENCE: z.string().min(1).max(200).default('paymux'),
  PAYMUX_MAX_BODY_BYTES: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of bytes')
    .transform(Number)
    .refine((n) => n >= 1024 && n <= 64 * 1024 * 1024, 'must be between 1024 and 67108864')
    .default(1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WECHATPAY_BASE_URL: httpUrl.default('https://api.mch.weixin.qq.com'),
  ALIPAY_GATEWAY_URL: httpUrl.default('https://openapi.alipay.com/gateway.do'),
  ALIPAY_ENDPOINT: httpUrl.default('https://openapi.alipay.com'),
  PAYMUX_WEBHOOK_ALLOW_LOOPBACK: flag.default(false),
  PAYMUX_SANDBOX_URL: httpUrl.optional(),
  PAYMUX_SANDBOX_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PAYMUX_SANDBOX_TIME_FACTOR: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1_000_000, 'must be between 1 and 1000000')
    .default(1),
  PAYMUX_RATE_LIMIT_PER_SECOND: z
    .string()
    .regex(/^\d+$/, 'must be a whole number (0 disables)')
    .transform(Number)
    .default(100),
  PAYMUX_RATE_LIMIT_BURST: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= 1, 'must be at least 1')
    .default(200),
  PAYMUX_NOTIFY_ALLOW_CIDRS_WECHATPAY: z
    .string()
    .transform(cidrs)
    .refine(validCidrs, 'must be comma-separated CIDRs')
    .optional(),
  PAYMUX_NOTIFY_ALLOW_CIDRS_ALIPAY: z
    .string()
    .transform(cidrs)
    .refine(validCidrs, 'must be comma-separated CIDRs')
    .optional(),
  PAYMUX_TRUSTED_PROXY_CIDRS: z
    .string()
    .transform(cidrs)
    .refine(validCidrs, 'must be comma-separated CIDRs')
    .optional(),
  PAYMUX_PROVIDER_TIMEOUT_MS: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .refine((n) => n >= 100 && n <= 60_000, 'must be between 100 and 60000')
    .default(10_000),
});

export interface Config {
  readonly databaseUrl: string | undefined;
  readonly port: number;
  readonly publicUrl: string;
  /** Raw base64 master key when configured; the vault generates one in dev mode otherwise. */
  readonly masterKey: string | undefined;
  /** Older master keys that still unwrap during a rotation (PAYMUX_MASTER_KEY_PREVIOUS). */
  readonly previousMasterKeys: readonly string[];
  readonly dataDir: string;
  readonly jwtAudience: string;
  readonly maxBodyBytes: number;
  readonly logLevel: string;
  readonly wechatpayBaseUrl: string;
  readonly alipayGatewayUrl: string;
  readonly alipayEndpoint: string;
  readonly webhookAllowLoopback: boolean;
  /** Where test-mode merchant accounts are served: the built-in sandbox (default PUBLIC_URL/sandbox). */
  readonly sandboxUrl: string;
  /** Operator token for the sandbox admin API; unset means open, in all-in-one development only. */
  readonly sandboxAdminToken: string | undefined;
  readonly sandboxTimeFactor: number;
  readonly providerTimeoutMs: number;
  readonly notifyAllowCidrs: { wechatpay: string[]; alipay: string[] };
  readonly trustedProxyCidrs: string[];
  /** Per API key, per process (PAYMUX_RATE_LIMIT_PER_SECOND, PAYMUX_RATE_LIMIT_BURST). */
  readonly rateLimit: { perSecond: number; burst: number };
}

/** Environment variables Paymux reads; everything else in the environment is ignored. */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

/**
 * Parses configuration once, at start-up, from an environment object. Empty strings
 * count as unset. The first invalid variable throws a ConfigError naming it.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const input: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? 'configuration');
    const shown =
      variable === 'PAYMUX_MASTER_KEY' || variable === 'DATABASE_URL' ? '' : ` (got "${input[variable]}")`;
    throw new ConfigError(variable, `${issue?.message ?? 'invalid'}${shown}`);
  }
  const c = result.data;
  const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  return {
    databaseUrl: c.DATABASE_URL,
    port: c.PORT,
    publicUrl,
    masterKey: c.PAYMUX_MASTER_KEY,
    previousMasterKeys: c.PAYMUX_MASTER_KEY_PREVIOUS ?? [],
    dataDir: c.PAYMUX_DATA_DIR,
    jwtAudience: c.PAYMUX_JWT_AUDIENCE,
    maxBodyBytes: c.PAYMUX_MAX_BODY_BYTES,
    logLevel: c.LOG_LEVEL,
    wechatpayBaseUrl: c.WECHATPAY_BASE_URL,
    alipayGatewayUrl: c.ALIPAY_GATEWAY_URL,
    alipayEndpoint: c.ALIPAY_ENDPOINT,
    webhookAllowLoopback: c.PAYMUX_WEBHOOK_ALLOW_LOOPBACK,
    sandboxUrl: (c.PAYMUX_SANDBOX_URL ?? `${publicUrl}/sandbox`).replace(/\/+$/, ''),
    sandboxAdminToken: c.PAYMUX_SANDBOX_ADMIN_TOKEN,
    sandboxTimeFactor: c.PAYMUX_SANDBOX_TIME_FACTOR,
    providerTimeoutMs: c.PAYMUX_PROVIDER_TIMEOUT_MS,
    rateLimit: { perSecond: c.PAYMUX_RATE_LIMIT_PER_SECOND, burst: c.PAYMUX_RATE_LIMIT_BURST },
    notifyAllowCidrs: {
      wechatpay: c.PAYMUX_NOTIFY_ALLOW_CIDRS_WECHATPAY ?? [],
      alipay: c.PAYMUX_NOTIFY_ALLOW_CIDRS_ALIPAY ?? [],
    },
    trustedProxyCidrs: c.PAYMUX_TRUSTED_PROXY_CIDRS ?? [],
  };
}

/** A connection string safe to print: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
