import { describe, expect, it } from 'vitest';
import {
  normalizeGuid,
  parseCidr,
  parseIp,
  validateAdapterName,
  validateTunnelType,
} from '@wintun-ts/adapter';
import { formatIpv6, networkOf } from '@wintun-ts/adapter/packet';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('addresses and prefixes', () => {
  it('parses IPv4 and IPv6 with canonical text and network-order bytes', () => {
    expect(parseIp('10.6.7.7')).toEqual({ family: 4, address: '10.6.7.7', bytes: Uint8Array.of(10, 6, 7, 7) });
    const v6 = parseIp('FD00:0:0:0::0001');
    expect(v6.family).toBe(6);
    expect(v6.address).toBe('fd00::1');
    expect(Array.from(v6.bytes)).toEqual([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIp('::ffff:10.0.0.1').address).toBe('::ffff:a00:1');
    expect(parseIp('::').address).toBe('::');
  });

  it('formats IPv6 per RFC 5952 (longest zero run, not a single zero group)', () => {
    expect(formatIpv6(parseIp('2001:db8:0:1:0:0:0:1').bytes)).toBe('2001:db8:0:1::1');
    expect(formatIpv6(parseIp('2001:db8:0:0:1:0:0:1').bytes)).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(parseIp('1:0:2:0:3:0:4:0').bytes)).toBe('1:0:2:0:3:0:4:0');
  });

  it('parses CIDR and derives networks', () => {
    const p = parseCidr('10.6.7.7/24');
    expect(p.prefixLength).toBe(24);
    expect(networkOf(p).address).toBe('10.6.7.0');
    expect(parseCidr('fd00::7/64').prefixLength).toBe(64);
    expect(networkOf(parseCidr('fd00:1:2:3:4::7/33')).address).toBe('fd00:1::');
    expect(networkOf(parseCidr('fd00:ffff::7/17')).address).toBe('fd00:8000::');
    expect(parseCidr('10.0.0.1').prefixLength).toBe(32);
    expect(parseCidr('::1').prefixLength).toBe(128);
  });

  it('refuses malformed input with ERR_WINTUN_ADDRESS_INVALID', () => {
    for (const bad of ['10.6.7.256/24', '10.6.7.7/33', '10.6.7.7/', '10.6.7.7/-1', 'fe80::1%eth0', 'host', '', '::/129', '1.2.3.4/2x']) {
      expect(code(() => parseCidr(bad)), bad).toBe('ERR_WINTUN_ADDRESS_INVALID');
    }
    expect(code(() => parseCidr(42 as unknown as string))).toBe('ERR_WINTUN_ADDRESS_INVALID');
  });
});

describe('adapter names', () => {
  it('accepts ordinary names', () => {
    expect(validateAdapterName('wg0', 'linux')).toBe('wg0');
    expect(validateAdapterName('x'.repeat(15), 'linux')).toHaveLength(15);
    expect(validateAdapterName('x'.repeat(127), 'win32')).toHaveLength(127);
  });

  it('refuses empty, long and unsafe names with ERR_WINTUN_NAME_INVALID', () => {
    for (const [name, platform] of [
      ['', 'linux'],
      ['x'.repeat(16), 'linux'],
      ['é'.repeat(8), 'linux'],
      ['x'.repeat(128), 'win32'],
      ['a b', 'win32'],
      ['a/b', 'linux'],
      ['a:b', 'linux'],
      ['a\u0000', 'win32'],
      ['..', 'linux'],
    ] as const) {
      expect(code(() => validateAdapterName(name, platform)), JSON.stringify(name)).toBe('ERR_WINTUN_NAME_INVALID');
    }
    expect(code(() => validateAdapterName(undefined, 'linux'))).toBe('ERR_WINTUN_NAME_INVALID');
  });

  it('accepts tunnel types with spaces and refuses ones that overflow "<type> Tunnel"', () => {
    expect(validateTunnelType('My VPN')).toBe('My VPN');
    expect(validateTunnelType('x'.repeat(120))).toHaveLength(120);
    expect(code(() => validateTunnelType('x'.repeat(121)))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(code(() => validateTunnelType(''))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(code(() => validateTunnelType('a\nb'))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
  });

  it('normalises GUIDs and refuses others', () => {
    expect(normalizeGuid('DEADBABE-CAFE-BEEF-0123-456789ABCDEF')).toBe('{deadbabe-cafe-beef-0123-456789abcdef}');
    expect(normalizeGuid('{deadbabe-cafe-beef-0123-456789abcdef}')).toBe('{deadbabe-cafe-beef-0123-456789abcdef}');
    expect(code(() => normalizeGuid('deadbabe'))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
  });
});
