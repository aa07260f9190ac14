import { addressGroup, CidrList, clientAddress } from '../../../src/domain/client-address';

describe('clientAddress', () => {
  const proxies = new CidrList(['10.0.0.0/8', '2001:db8:ffff::/48', '127.0.0.1']);

  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.9', '1.2.3.4', new CidrList([]))).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress('203.0.113.9', '1.2.3.4', proxies)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9', '1.2.3.4', proxies)).toBe('203.0.113.9');
  });

  it('takes the right-most hop that is not a trusted proxy', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.7', proxies)).toBe('198.51.100.7');
    // The client claimed 6.6.6.6; the proxies appended what they saw.
    expect(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.1', proxies)).toBe(
      '198.51.100.7',
    );
    expect(clientAddress('::ffff:127.0.0.1', '2001:db8:1::5, 2001:db8:ffff::1', proxies)).toBe(
      '2001:db8:1::5',
    );
  });

  it('stops at a hop that is no address, and answers the nearest trusted one', () => {
    expect(clientAddress('10.0.0.2', 'garbage, 10.0.0.1', proxies)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.2', '', proxies)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', undefined, proxies)).toBe('10.0.0.2');
  });

  it('answers the left-most hop when every hop is a trusted proxy', () => {
    expect(clientAddress('10.0.0.2', '10.1.1.1, 10.0.0.1', proxies)).toBe('10.1.1.1');
  });

  it('reads a long header in one pass', () => {
    const header = Array.from({ length: 100_000 }, () => '10.0.0.1').join(', ');
    expect(clientAddress('10.0.0.2', header, proxies)).toBe('10.0.0.1');
  });
});

describe('addressGroup', () => {
  it('groups IPv6 addresses by /64 and keeps IPv4 addresses as they are', () => {
    expect(addressGroup('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8:1:3::1')).not.toBe(addressGroup('2001:db8:1:2::1'));
    expect(addressGroup('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressGroup('192.0.2.1')).toBe('192.0.2.1');
    expect(addressGroup('not an address')).toBe('not an address');
  });
});
