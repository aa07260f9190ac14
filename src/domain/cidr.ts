import ipaddr from 'ipaddr.js';

/** True when `cidr` is an IPv4 or IPv6 address or CIDR block (`10.0.0.0/8`, `2001:db8::/32`). */
export function isCidr(cidr: string): boolean {
  try {
    if (cidr.includes('/')) ipaddr.parseCIDR(cidr);
    else ipaddr.parse(cidr);
    return true;
  } catch {
    return false;
  }
}

/** True when `ip` lies in one of `cidrs` (IPv4-mapped IPv6 addresses count as IPv4). */
export function ipAllowed(ip: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return cidrs.some((cidr) => {
    try {
      const [range, bits] = cidr.includes('/')
        ? ipaddr.parseCIDR(cidr)
        : [ipaddr.parse(cidr), ipaddr.parse(cidr).kind() === 'ipv4' ? 32 : 128];
      return address.kind() === range.kind() && address.match(range, bits);
    } catch {
      return false;
    }
  });
}

function rangeOf(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  try {
    if (cidr.includes('/')) {
      const [range, bits] = ipaddr.parseCIDR(cidr);
      return range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96
        ? [(range as ipaddr.IPv6).toIPv4Address(), bits - 96]
        : [range, bits];
    }
    const address = ipaddr.process(cidr);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

/**
 * True when every address of `inner` (an address or CIDR block) lies in one of `outers`:
 * its network address is in that block and its prefix is at least as long.
 */
export function cidrWithin(inner: string, outers: readonly string[]): boolean {
  const range = rangeOf(inner);
  if (!range) return false;
  const [address, bits] = range;
  return outers.some((outer) => {
    const bounds = rangeOf(outer);
    if (!bounds) return false;
    const [network, outerBits] = bounds;
    return (
      address.kind() === network.kind() && bits >= outerBits && address.match(network, outerBits)
    );
  });
}
