/**
 * Pure parts of the Linux backend (no root needed): interface name rules, CIDR parsing, and the
 * abi encoders (ifreq, netlink messages, errno names).
 */
import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import {
  IFF_NO_PI,
  IFF_TUN,
  IFLA_IFNAME,
  IFLA_LINKINFO,
  IFLA_INFO_KIND,
  IFLA_MTU,
  NLM_F_ACK,
  NLM_F_REQUEST,
  RTM_NEWLINK,
  TUNSETIFF,
  TUNGETIFF,
  TUNSETPERSIST,
  decodeIfinfomsg,
  decodeIfreqFlags,
  decodeIfreqName,
  decodeNetlinkAttributes,
  decodeNetlinkError,
  decodeNetlinkMessages,
  encodeIfinfomsg,
  encodeIfreq,
  encodeNetlinkMessage,
  linuxErrnoError,
  linuxErrnoName,
  netlinkReadString,
  netlinkReadU32,
  netlinkString,
  netlinkU32,
} from '@wintun-ts/session/linux';
import { TunDevice, validateLinuxInterfaceName } from '../../src/linux/tun-device.js';
import { formatIpAddress, isNetworkPrefix, parseCidr, parseIpAddress, parseRouteDestination } from '../../src/linux/cidr.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isWintunError(error) ? error.code : `not a WintunError: ${String(error)}`;
  }
}

describe('Linux interface names', () => {
  it.each(['wtt0', 'a', 'x'.repeat(15), 'tun-ts_1.2', 'éééééééé'.slice(0, 7)])('accepts %j', (name) => {
    expect(() => validateLinuxInterfaceName(name)).not.toThrow();
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(16), '16 bytes'],
    ['éééééééé', '16 UTF-8 bytes'],
    ['a/b', 'slash'],
    ['a:b', 'colon'],
    ['a b', 'space'],
    ['a\tb', 'tab'],
    ['a\nb', 'newline'],
    ['a\0b', 'NUL'],
    ['.', 'dot'],
    ['..', 'dot dot'],
  ])('refuses %j (%s) with ERR_WINTUN_NAME_INVALID', (name) => {
    expect(codeOf(() => validateLinuxInterfaceName(name))).toBe('ERR_WINTUN_NAME_INVALID');
  });

  it('TunDevice.open validates the name before touching /dev/net/tun', () => {
    expect(codeOf(() => TunDevice.open({ name: 'bad/name' }))).toBe('ERR_WINTUN_NAME_INVALID');
    expect(codeOf(() => TunDevice.open({ name: 'x'.repeat(16) }))).toBe('ERR_WINTUN_NAME_INVALID');
    expect(codeOf(() => TunDevice.open({ mode: 'open' }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(codeOf(() => TunDevice.open({ name: 'ok0', mode: 'bogus' as never }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
  });
});

describe('CIDR parsing', () => {
  it('parses IPv4 and IPv6 addresses to network-order bytes and canonical text', () => {
    expect(Array.from(parseIpAddress('10.6.7.7').bytes)).toEqual([10, 6, 7, 7]);
    expect(parseIpAddress('FD00:0:0::1').text).toBe('fd00::1');
    expect(parseIpAddress('::').text).toBe('::');
    expect(parseIpAddress('::ffff:10.1.2.3').text).toBe('::ffff:a01:203');
    expect(parseIpAddress('2001:db8:0:0:1:0:0:1').text).toBe('2001:db8::1:0:0:1');
    expect(formatIpAddress(new Uint8Array(16))).toBe('::');
  });

  it('parses prefixes; no prefix means a host prefix', () => {
    expect(parseCidr('10.6.7.7/24')).toMatchObject({ family: 4, prefixLength: 24, cidr: '10.6.7.7/24' });
    expect(parseCidr('fd00::1')).toMatchObject({ family: 6, prefixLength: 128 });
    expect(parseCidr('0.0.0.0/0').prefixLength).toBe(0);
  });

  it.each(['', '10.6.7', '10.6.7.256', '10.6.7.07', '1.2.3.4/33', 'fd00::1/129', 'fd00:::1', '1::2::3', 'fd00::1%eth0', '1:2:3:4:5:6:7:8:9', 'g::1', '10.0.0.1/-1', '10.0.0.1/'])(
    'refuses %j with ERR_WINTUN_ADDRESS_INVALID',
    (text) => {
      expect(codeOf(() => parseCidr(text))).toBe('ERR_WINTUN_ADDRESS_INVALID');
    },
  );

  it('route destinations need zero host bits; default and default6 are accepted', () => {
    expect(isNetworkPrefix(parseCidr('10.6.0.0/16'))).toBe(true);
    expect(codeOf(() => parseRouteDestination('10.6.0.1/16'))).toBe('ERR_WINTUN_ADDRESS_INVALID');
    expect(parseRouteDestination('default').cidr).toBe('0.0.0.0/0');
    expect(parseRouteDestination('default6').cidr).toBe('::/0');
    expect(parseRouteDestination('fd00:6::/64').cidr).toBe('fd00:6::/64');
  });
});

describe('abi Linux encoders', () => {
  it('TUN ioctl numbers are the _IOW/_IOR values of linux/if_tun.h', () => {
    expect(TUNSETIFF).toBe(0x400454ca);
    expect(TUNSETPERSIST).toBe(0x400454cb);
    expect(TUNGETIFF).toBe(0x800454d2);
  });

  it('ifreq: 40 bytes, name at 0, u16 flags at 16', () => {
    const ifreq = encodeIfreq('wtt0', IFF_TUN | IFF_NO_PI);
    expect(ifreq.length).toBe(40);
    expect(decodeIfreqName(ifreq)).toBe('wtt0');
    expect(decodeIfreqFlags(ifreq)).toBe(0x1001);
    expect(ifreq[16]).toBe(0x01);
    expect(ifreq[17]).toBe(0x10);
    expect(codeOf(() => encodeIfreq('x'.repeat(16)))).toBe('ERR_WINTUN_NAME_INVALID');
  });

  it('netlink messages round-trip with aligned and nested attributes', () => {
    const message = encodeNetlinkMessage({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7 }, encodeIfinfomsg({ index: 3, flags: 1, change: 1 }), [
      netlinkString(IFLA_IFNAME, 'wtt0'),
      netlinkU32(IFLA_MTU, 1400),
      { type: IFLA_LINKINFO, value: [netlinkString(IFLA_INFO_KIND, 'tun')] },
    ]);
    expect(message.length % 4).toBe(0);
    const [decoded] = decodeNetlinkMessages(message);
    expect(decoded).toMatchObject({ type: RTM_NEWLINK, flags: 5, seq: 7 });
    expect(decodeIfinfomsg(decoded!.payload)).toMatchObject({ index: 3, flags: 1, change: 1 });
    const attributes = decodeNetlinkAttributes(decoded!.payload.subarray(16));
    expect(netlinkReadString(attributes.get(IFLA_IFNAME))).toBe('wtt0');
    expect(netlinkReadU32(attributes.get(IFLA_MTU))).toBe(1400);
    expect(netlinkReadString(decodeNetlinkAttributes(attributes.get(IFLA_LINKINFO)!).get(IFLA_INFO_KIND))).toBe('tun');
  });

  it('NLMSG_ERROR payloads decode, with the extended-ACK message', () => {
    const payload = new Uint8Array(4 + 16 + 12);
    const view = new DataView(payload.buffer);
    view.setInt32(0, -17, true);
    view.setUint32(4, 16, true);
    view.setUint16(8, RTM_NEWLINK, true);
    view.setUint32(12, 9, true);
    view.setUint16(20, 11, true);
    view.setUint16(22, 1, true);
    payload.set(new TextEncoder().encode('boom\0'), 24);
    expect(decodeNetlinkError(payload, 0x100 | 0x200)).toEqual({ error: -17, requestType: RTM_NEWLINK, requestSeq: 9, message: 'boom' });
  });

  it('errno names and codes', () => {
    expect(linuxErrnoName(1)).toBe('EPERM');
    expect(linuxErrnoName(77)).toBe('EBADFD');
    expect(linuxErrnoName(4242)).toBe('E4242');
    const error = linuxErrnoError('ioctl(TUNSETIFF)', 1, 'Creating wtt0');
    expect(error).toMatchObject({ code: 'ERR_WINTUN_ACCESS_DENIED', errno: 1, syscall: 'ioctl(TUNSETIFF)' });
    expect(linuxErrnoError('x', 19, 'y').code).toBe('ERR_WINTUN_ADAPTER_NOT_FOUND');
  });
});
