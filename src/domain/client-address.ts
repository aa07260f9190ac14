import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

/**
 * A parsed list of CIDR blocks (or single addresses), matched without re-parsing: the
 * proxies an operator trusts to append the client's address to X-Forwarded-For.
 */
export class CidrList {
  private readonly ranges: Range[];

  constructor(cidrs: readonly string[]) {
    this.ranges = cidrs.map((cidr) => {
      if (cidr.includes('/')) return ipaddr.parseCIDR(cidr);
      const address = ipaddr.process(cidr);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    });
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  /** True when `address` lies in one of the blocks. */
  has(address: Address): boolean {
    return this.ranges.some(
      ([range, bits]) => address.kind() === range.kind() && address.match(range, bits),
    );
  }
}

/** The address parsed, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as IPv4; null if it is none. */
function parse(text: string): Address | null {
  try {
    return ipaddr.process(text.trim());
  } catch {
    return null;
  }
}

/**
 * The client's address. Unless the socket's peer is a trusted proxy, it is the peer: an
 * X-Forwarded-For from anyone else is ignored. Otherwise the hops are read from the
 * right (each proxy appends the address it saw) and the client is the right-most one
 * that is not a trusted proxy; entries left of it are the client's own claims. A hop
 * that is no address ends the walk at the last trusted one.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | undefined,
  trusted: CidrList,
): string {
  if (trusted.empty) return peer;
  let nearest = parse(peer);
  if (!nearest) return peer;
  if (!trusted.has(nearest) || !forwardedFor) return nearest.toString();
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = parse(hops[i]);
    if (!hop) break;
    nearest = hop;
    if (!trusted.has(hop)) break;
  }
  return nearest.toString();
}

/**
 * The group an address is limited as: an IPv6 address by its /64 (one subscriber's
 * network, which hands out addresses freely), an IPv4 address by itself.
 */
export function addressGroup(ip: string): string {
  const address = parse(ip);
  if (!address) return ip;
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}

/** True for a loopback address (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
export function isLoopback(text: string): boolean {
  return parse(text)?.range() === 'loopback';
}
