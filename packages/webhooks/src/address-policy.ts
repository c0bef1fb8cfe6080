import { BlockList, isIP, SocketAddress } from 'node:net';

/** What the sender may reach. Loopback is for local development and tests only. */
export interface AddressPolicy {
  readonly allowLoopback: boolean;
}

type Family = 'ipv4' | 'ipv6';

/**
 * Ranges refused as webhook targets, most specific first (the first match names the reason).
 * Sources: IANA special-purpose registries, RFC 6890/6598/6052/4380/3056/9637 and the cloud
 * providers' metadata endpoints (AWS, GCP and Azure 169.254.169.254, AWS ECS 169.254.170.2,
 * AWS IPv6 fd00:ec2::254, Alibaba Cloud 100.100.100.200, Azure wireserver 168.63.129.16).
 */
const REFUSED: ReadonlyArray<readonly [reason: string, family: Family, cidrs: readonly string[]]> = [
  ['unspecified', 'ipv4', ['0.0.0.0/8']],
  ['loopback', 'ipv4', ['127.0.0.0/8']],
  ['broadcast', 'ipv4', ['255.255.255.255/32']],
  ['metadata', 'ipv4', ['169.254.169.254/32', '169.254.170.2/32', '100.100.100.200/32', '168.63.129.16/32']],
  ['private', 'ipv4', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['cgnat', 'ipv4', ['100.64.0.0/10']],
  ['link_local', 'ipv4', ['169.254.0.0/16']],
  ['documentation', 'ipv4', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']],
  ['6to4', 'ipv4', ['192.88.99.0/24']],
  ['multicast', 'ipv4', ['224.0.0.0/4']],
  // IETF protocol assignments, benchmarking, and the old class E block.
  ['reserved', 'ipv4', ['192.0.0.0/24', '198.18.0.0/15', '240.0.0.0/4']],

  ['unspecified', 'ipv6', ['::/128']],
  ['loopback', 'ipv6', ['::1/128']],
  ['metadata', 'ipv6', ['fd00:ec2::254/128']],
  ['nat64', 'ipv6', ['64:ff9b::/96', '64:ff9b:1::/48']],
  ['teredo', 'ipv6', ['2001::/32']],
  ['documentation', 'ipv6', ['2001:db8::/32', '3fff::/20']],
  ['6to4', 'ipv6', ['2002::/16']],
  ['unique_local', 'ipv6', ['fc00::/7']],
  ['link_local', 'ipv6', ['fe80::/10']],
  ['multicast', 'ipv6', ['ff00::/8']],
  // IPv4-compatible (deprecated), discard-only, IETF protocol assignments, old site-local.
  ['reserved', 'ipv6', ['::/96', '100::/64', '2001::/23', 'fec0::/10']],
];

const RULES = REFUSED.map(([reason, family, cidrs]) => {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network = '', bits = ''] = cidr.split('/');
    list.addSubnet(network, Number(bits), family);
  }
  return { reason, family, list };
});

// Only 2000::/3 is allocated for global unicast; anything else not named above is refused too.
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/**
 * Why an IP address may not be a webhook target, or undefined when it may. IPv4-mapped IPv6
 * (`::ffff:7f00:1`) is judged as the IPv4 address inside it and reports that address's reason.
 * Loopback (127.0.0.0/8, ::1) passes only with `allowLoopback`; nothing else ever does, and a
 * string that is not an IP address is refused as `invalid`.
 *
 * @example
 * refusedAddressReason('169.254.169.254', { allowLoopback: true }); // 'metadata'
 * refusedAddressReason('::ffff:10.0.0.1', { allowLoopback: false }); // 'private'
 * refusedAddressReason('93.184.216.34', { allowLoopback: false });   // undefined
 */
export function refusedAddressReason(ip: string, policy: AddressPolicy): string | undefined {
  const reason = classify(ip);
  if (reason === 'loopback' && policy.allowLoopback) return undefined;
  return reason;
}

function classify(raw: string): string | undefined {
  // A zone id (fe80::1%eth0) names an interface, not a different address.
  const ip = raw.split('%')[0] ?? '';
  const version = isIP(ip);
  if (version === 0) return 'invalid';
  if (version === 6) {
    // inet_ntop renders any IPv4-mapped address as ::ffff:a.b.c.d, whichever way it was written.
    const canonical = new SocketAddress({ address: ip, family: 'ipv6' }).address;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(canonical)?.[1];
    if (mapped !== undefined) return classify(mapped);
  }
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  for (const rule of RULES) {
    if (rule.family === family && rule.list.check(ip, family)) return rule.reason;
  }
  if (family === 'ipv6' && !GLOBAL_UNICAST.check(ip, 'ipv6')) return 'reserved';
  return undefined;
}
