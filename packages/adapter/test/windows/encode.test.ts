import { describe, expect, it } from 'vitest';
import { parseCidr, parseIp } from '@wintun-ts/adapter';
import { networkOf } from '@wintun-ts/adapter/packet';
import {
  IPFORWARD_ROW2,
  IPINTERFACE_ROW,
  UNICAST_ROW,
  decodeSockaddrInet,
  decodeUnicastRow,
  encodeIpAddressPrefix,
  encodeIpInterfaceKey,
  encodeSockaddrInet,
  fillForwardRow,
  fillUnicastRow,
  joinDnsList,
  luidFromParts,
  luidParts,
  readInterfaceMtu,
  setInterfaceMtu,
  tcpipInterfaceKey,
} from '../../src/windows/encode.js';
import { registrationError } from '../../src/windows/registrar.js';
import { PacketQueue } from '@wintun-ts/adapter/testing';
import { swapIpAddresses } from '../../src/windows/emulated-io.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('Windows encoders (pure; checked against koffi under Wine too)', () => {
  it('SOCKADDR_INET: AF_INET 2 with the address at 4, AF_INET6 23 with the address at 8', () => {
    expect(hex(encodeSockaddrInet(parseIp('10.6.7.7')))).toBe('020000000a060707' + '00'.repeat(20));
    const v6 = encodeSockaddrInet(parseIp('fd00::7'));
    expect(hex(v6)).toBe('1700000000000000' + 'fd000000000000000000000000000007' + '00000000');
    expect(decodeSockaddrInet(v6)?.address).toBe('fd00::7');
    expect(decodeSockaddrInet(new Uint8Array(28))).toBeNull();
  });

  it('IP_ADDRESS_PREFIX: SOCKADDR_INET then the prefix length at 28, 32 bytes', () => {
    const p = encodeIpAddressPrefix(networkOf(parseCidr('10.6.7.7/24')));
    expect(p.byteLength).toBe(32);
    expect(hex(p.subarray(0, 8))).toBe('020000000a060700');
    expect(p[28]).toBe(24);
  });

  it('rows: unicast, interface and forward rows put fields at the 64-bit Windows offsets', () => {
    const luid = luidFromParts(53, 9);
    expect(luidParts(luid)).toEqual({ ifType: 53, netLuidIndex: 9 });
    const row = new Uint8Array(UNICAST_ROW.size);
    fillUnicastRow(row, luid, parseCidr('fd00::1/64'));
    const info = decodeUnicastRow(row, 0);
    expect(info).toMatchObject({ luid, prefixLength: 64 });
    expect(info.address?.address).toBe('fd00::1');
    expect(row[UNICAST_ROW.DadState]).toBe(4);

    const ifrow = encodeIpInterfaceKey(4, luid);
    new DataView(ifrow.buffer).setUint32(IPINTERFACE_ROW.SitePrefixLength, 64, true);
    setInterfaceMtu(ifrow, 1280);
    expect(readInterfaceMtu(ifrow)).toBe(1280);
    expect(new DataView(ifrow.buffer).getUint32(IPINTERFACE_ROW.SitePrefixLength, true)).toBe(0);

    const fwd = new Uint8Array(IPFORWARD_ROW2.size);
    fillForwardRow(fwd, luid, networkOf(parseCidr('0.0.0.0/0')), parseIp('10.6.7.1'), 10);
    expect(decodeSockaddrInet(fwd, IPFORWARD_ROW2.NextHop)?.address).toBe('10.6.7.1');
    expect(new DataView(fwd.buffer).getUint32(IPFORWARD_ROW2.Metric, true)).toBe(10);
    expect(() => fillUnicastRow(new Uint8Array(10), luid, parseCidr('10.0.0.1/8'))).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
  });

  it('DNS lists and Tcpip keys', () => {
    expect(joinDnsList(['1.1.1.1', '8.8.8.8'])).toBe('1.1.1.1,8.8.8.8');
    expect(joinDnsList([])).toBe('');
    expect(() => joinDnsList(['a,b'])).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    expect(tcpipInterfaceKey(4, '{g}')).toBe('SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{g}');
  });
});

describe('registration errors (spec 2.3)', () => {
  it('maps 5, 1247, 87, 1784, 6', () => {
    expect(registrationError('DeviceIoControl', 5, 'a')).toMatchObject({ code: 'ERR_WINTUN_ACCESS_DENIED', win32Code: 5 });
    expect(registrationError('DeviceIoControl', 5, 'a').message).toMatch(/run elevated/);
    expect(registrationError('DeviceIoControl', 1247, 'a').code).toBe('ERR_WINTUN_ALREADY_REGISTERED');
    expect(registrationError('DeviceIoControl', 87, 'a', false).code).toBe('ERR_WINTUN_INVALID_CAPACITY');
    expect(registrationError('DeviceIoControl', 87, 'a').code).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(registrationError('DeviceIoControl', 1784, 'a').code).toBe('ERR_WINTUN_INVALID_USER_BUFFER');
    expect(registrationError('DeviceIoControl', 6, 'a')).toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT', win32Code: 6 });
    expect(registrationError('CreateFileW', 4319, 'a').code).toBe('ERR_WINTUN_DEVICE_NOT_AVAILABLE');
  });
});

describe('emulated stack queue', () => {
  it('moves packets in order across the wrap, and echo swaps addresses', () => {
    const q = new PacketQueue(0x20000);
    const out = new Uint8Array(2000);
    for (let i = 0; i < 500; i++) {
      const p = new Uint8Array(1000).fill(i & 0xff);
      expect(q.push(p)).toBe(true);
      expect(q.popInto(out, 0, 2000)).toBe(1000);
      expect(out[999]).toBe(i & 0xff);
    }
    expect(q.popInto(out, 0, 2000)).toBe(0);
    q.close();
    expect(q.popInto(out, 0, 2000)).toBe(-1);
    const ip = new Uint8Array(20);
    ip[0] = 0x45;
    ip.set([1, 2, 3, 4, 5, 6, 7, 8], 12);
    swapIpAddresses(ip, 0, 20);
    expect(Array.from(ip.subarray(12, 20))).toEqual([5, 6, 7, 8, 1, 2, 3, 4]);
  });
});
