import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type AddressPolicy, refusedAddressReason } from './address-policy.ts';

/** Registration and send-time rules for an endpoint URL. `requireHttps` is off only in development. */
export interface UrlPolicy extends AddressPolicy {
  readonly requireHttps: boolean;
}

export type UrlCheckCode =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'port_not_allowed'
  | 'credentials_in_url'
  | 'address_not_allowed';

export type UrlCheck =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly code: UrlCheckCode; readonly message: string };

/** Resolves a host name to all its addresses, as `dns.lookup(name, { all: true })` does. */
export type BaseLookup = (
  hostname: string,
) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>;

/** The operating system's resolver (getaddrinfo), every address in the order it returns them. */
export const systemLookup: BaseLookup = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

const MAX_URL_LENGTH = 2048;
const DEFAULT_RESOLVE_TIMEOUT_MS = 2000;
// 80 and 443, or an unprivileged port: keeps SSH, SMTP and other well-known services out of reach.
const MIN_HIGH_PORT = 1024;

/**
 * Checks an endpoint URL at registration time, synchronously and without DNS. The WHATWG parser
 * (the same one the sender uses) normalises `2130706433`, `0x7f000001`, `0177.0.0.1` and
 * `[::ffff:127.0.0.1]` to IP literals, which are then judged by refusedAddressReason; `localhost`
 * and `*.localhost` count as loopback. Only http(s), ports 80, 443 and 1024–65535, no
 * `user:password@`, at most 2048 characters.
 *
 * @example
 * checkWebhookUrl('https://shop.example/hooks', { requireHttps: true, allowLoopback: false }); // { ok: true, url }
 * checkWebhookUrl('http://169.254.169.254/', { requireHttps: false, allowLoopback: false });
 * // { ok: false, code: 'address_not_allowed', message: 'the address is not allowed (metadata)' }
 */
export function checkWebhookUrl(raw: string, policy: UrlPolicy): UrlCheck {
  if (raw.length > MAX_URL_LENGTH) {
    return refuse('invalid_url', `the URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('invalid_url', 'the URL cannot be parsed');
  }
  const schemes = policy.requireHttps ? ['https:'] : ['http:', 'https:'];
  if (!schemes.includes(url.protocol)) {
    return refuse(
      'scheme_not_allowed',
      `the scheme must be ${policy.requireHttps ? 'https' : 'http or https'}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('credentials_in_url', 'the URL must not contain a user name or password');
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (port !== 80 && port !== 443 && port < MIN_HIGH_PORT) {
    return refuse('port_not_allowed', 'the port must be 80, 443 or 1024–65535');
  }
  const reason = hostReason(url.hostname, policy);
  if (reason !== undefined) return refuse('address_not_allowed', `the address is not allowed (${reason})`);
  return { ok: true, url };
}

/**
 * checkWebhookUrl, then, for a host name, resolves it (bounded by `timeoutMs`, default 2000) and
 * refuses the URL if ANY address is refused. A resolution failure or timeout is accepted: the name
 * may not exist yet, and the connect-time guard (guardedLookup) still applies to every delivery.
 *
 * @example
 * await checkWebhookUrlResolved('https://hooks.shop.example/', policy); // refused if it resolves to 10.0.0.5
 */
export async function checkWebhookUrlResolved(
  raw: string,
  policy: UrlPolicy,
  options: { readonly lookup?: BaseLookup; readonly timeoutMs?: number } = {},
): Promise<UrlCheck> {
  const checked = checkWebhookUrl(raw, policy);
  if (!checked.ok || isIpLiteral(checked.url.hostname)) return checked;
  const addresses = await withTimeout(
    (options.lookup ?? systemLookup)(checked.url.hostname),
    options.timeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS,
  ).catch(() => []);
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address, policy);
    // The address itself is left out of the message: echoing it would turn registration into a
    // way to map internal DNS names.
    if (reason !== undefined) {
      return refuse('address_not_allowed', `the host name resolves to a refused address (${reason})`);
    }
  }
  return checked;
}

/** Whether a WHATWG `url.hostname` (IPv6 in brackets) is an IP literal. */
export function isIpLiteral(hostname: string): boolean {
  return isIP(unbracket(hostname)) !== 0;
}

/** `[::1]` → `::1`: the form node:net and refusedAddressReason expect. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function hostReason(hostname: string, policy: UrlPolicy): string | undefined {
  const host = unbracket(hostname);
  if (isIP(host) !== 0) return refusedAddressReason(host, policy);
  // RFC 6761: resolvers may answer localhost names themselves, so DNS-based checks would miss them.
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return policy.allowLoopback ? undefined : 'loopback';
  }
  if (name === '') return 'invalid';
  return undefined;
}

function refuse(code: UrlCheckCode, message: string): UrlCheck {
  return { ok: false, code, message };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
