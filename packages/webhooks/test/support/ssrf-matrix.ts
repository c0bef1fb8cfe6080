/** Every address the SSRF matrix refuses, with the reason reported for it. */
export const REFUSED_ADDRESSES: ReadonlyArray<readonly [address: string, reason: string]> = [
  ['127.0.0.1', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'metadata'],
  ['100.64.0.1', 'cgnat'],
  ['0.0.0.0', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['::1', 'loopback'],
  ['fe80::1', 'link_local'],
  ['fc00::1', 'unique_local'],
  ['fd00:ec2::254', 'metadata'],
  ['ff02::1', 'multicast'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
];

/** The same refused addresses with their lookup family. */
export function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}
