import { BlockList, isIP } from 'node:net';

/** A set of CIDRs (IPv4 and IPv6), e.g. `203.0.113.0/24,2001:db8::/32`. */
export function cidrList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.trim().split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`not a CIDR: ${cidr}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

function contains(list: BlockList, address: string): boolean {
  const bare = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(bare);
  return family !== 0 && list.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client address of a request: the socket peer, or, when that peer is a trusted
 * proxy, the right-most X-Forwarded-For entry that is not itself a trusted proxy.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: BlockList | undefined,
): string | undefined {
  if (!peer || !trustedProxies || !contains(trustedProxies, peer) || !forwardedFor) return peer;
  const hops = forwardedFor
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i] as string;
    if (!contains(trustedProxies, hop)) return hop;
  }
  return hops[0] ?? peer;
}

/** Whether `address` is allowed by `list` (no list: everyone; signatures are checked regardless). */
export function allowedSource(list: BlockList | undefined, address: string | undefined): boolean {
  if (!list) return true;
  return address !== undefined && contains(list, address);
}
