// The adapter's Windows encoders (SOCKADDR_INET, IP_ADDRESS_PREFIX, the IP Helper rows it builds
// as raw bytes) against koffi's encoding of abi's struct declarations under the Windows x64 ABI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { abi, importBuilt, importWindowsTesting } from './helpers.mjs';

const adapter = await importBuilt('adapter');
const w = await importWindowsTesting();
const skip = adapter === null || w === null ? 'packages/adapter is not built' : false;
const t = abi.win32Types();
const zeros = (n) => new Array(n).fill(0);

function koffiSockaddr(ip) {
  const out = new Uint8Array(28);
  if (ip.family === 4) {
    koffi.encode(out, t.SOCKADDR_INET, { Ipv4: { sin_family: abi.AF_INET, sin_port: 0, sin_addr: { s_addr: Array.from(ip.bytes) }, sin_zero: zeros(8) } });
  } else {
    koffi.encode(out, t.SOCKADDR_INET, { Ipv6: { sin6_family: abi.AF_INET6, sin6_port: 0, sin6_flowinfo: 0, sin6_addr: { s6_addr: Array.from(ip.bytes) }, sin6_scope_id: 0 } });
  }
  return out;
}

test('SOCKADDR_INET: encodeSockaddrInet equals koffi for IPv4 and IPv6, and decodes back', { skip }, () => {
  for (const text of ['10.6.7.7', '255.255.255.255', 'fd00::7', '2001:db8:1:2:3:4:5:6', '::']) {
    const ip = adapter.parseIp(text);
    const ours = w.encodeSockaddrInet(ip);
    assert.deepEqual(Array.from(ours), Array.from(koffiSockaddr(ip)), text);
    assert.equal(w.decodeSockaddrInet(ours).address, ip.address);
  }
  assert.equal(w.decodeSockaddrInet(new Uint8Array(28)), null, 'AF_UNSPEC decodes to null');
});

test('IP_ADDRESS_PREFIX: encodeIpAddressPrefix equals koffi (prefix length at 28, padded to 32)', { skip }, () => {
  assert.equal(koffi.sizeof(t.IP_ADDRESS_PREFIX), w.IP_ADDRESS_PREFIX_SIZE);
  for (const cidr of ['10.6.7.0/24', '0.0.0.0/0', 'fd00::/64', '::/0']) {
    const p = adapter.networkOf(adapter.parseCidr(cidr));
    const native = new Uint8Array(32);
    koffi.encode(native, t.IP_ADDRESS_PREFIX, { Prefix: koffi.decode(koffiSockaddr(p), t.SOCKADDR_INET), PrefixLength: p.prefixLength });
    const ours = w.encodeIpAddressPrefix(p);
    assert.deepEqual(Array.from(ours.subarray(0, 29)), Array.from(native.subarray(0, 29)), cidr);
    assert.equal(ours[28], p.prefixLength);
  }
});

test('row offsets used by the backend equal koffi.offsetof of abi\'s declarations', { skip }, () => {
  const check = (type, table) => {
    assert.equal(koffi.sizeof(type), table.size);
    for (const [field, offset] of Object.entries(table)) {
      if (field === 'size') continue;
      assert.equal(koffi.offsetof(type, field), offset, field);
    }
  };
  check(t.MIB_UNICASTIPADDRESS_ROW, w.UNICAST_ROW);
  check(t.MIB_IPINTERFACE_ROW, w.IPINTERFACE_ROW);
  check(t.MIB_IPFORWARD_ROW2, w.IPFORWARD_ROW2);
});

test('fillUnicastRow / fillForwardRow / interface rows decode through koffi as intended', { skip }, () => {
  const luid = (53n << 48n) | (7n << 24n);
  const row = new Uint8Array(80);
  w.fillUnicastRow(row, luid, adapter.parseCidr('10.6.7.7/24'));
  const u = koffi.decode(row, t.MIB_UNICASTIPADDRESS_ROW);
  assert.equal(BigInt(u.InterfaceLuid.Value), luid);
  assert.equal(u.OnLinkPrefixLength, 24);
  assert.equal(u.DadState, w.IP_DAD_STATE_PREFERRED);
  assert.deepEqual(Array.from(u.Address.Ipv4.sin_addr.s_addr), [10, 6, 7, 7]);
  const info = w.decodeUnicastRow(row, 0);
  assert.equal(info.luid, luid);
  assert.equal(info.address.address, '10.6.7.7');

  const fwd = new Uint8Array(104);
  w.fillForwardRow(fwd, luid, adapter.networkOf(adapter.parseCidr('fd00:1::/32')), null, 25);
  const f = koffi.decode(fwd, t.MIB_IPFORWARD_ROW2);
  assert.equal(BigInt(f.InterfaceLuid.Value), luid);
  assert.equal(f.DestinationPrefix.PrefixLength, 32);
  assert.equal(f.DestinationPrefix.Prefix.si_family, abi.AF_INET6);
  assert.equal(f.NextHop.si_family, abi.AF_INET6, 'on-link: the unspecified address of the family');
  assert.deepEqual(Array.from(f.NextHop.Ipv6.sin6_addr.s6_addr), zeros(16));
  assert.equal(f.Metric, 25);
  assert.equal(f.Protocol, abi.MIB_IPPROTO_NETMGMT);

  const ifrow = w.encodeIpInterfaceKey(4, luid);
  w.setInterfaceMtu(ifrow, 1420);
  const i = koffi.decode(ifrow, t.MIB_IPINTERFACE_ROW);
  assert.equal(i.Family, abi.AF_INET);
  assert.equal(BigInt(i.InterfaceLuid.Value), luid);
  assert.equal(i.NlMtu, 1420);
  assert.equal(i.SitePrefixLength, 0);
  assert.equal(w.readInterfaceMtu(ifrow), 1420);
});

test('luid parts, DNS lists and registry keys', { skip }, () => {
  const luid = w.luidFromParts(53, 0xa7b810);
  assert.equal(luid, (53n << 48n) | (0xa7b810n << 24n));
  assert.deepEqual(w.luidParts(luid), { ifType: 53, netLuidIndex: 0xa7b810 });
  assert.equal(w.joinDnsList(['1.1.1.1', 'fd00::53']), '1.1.1.1,fd00::53');
  assert.throws(() => w.joinDnsList(['a b']), { code: 'ERR_WINTUN_INVALID_ARGUMENT' });
  assert.equal(w.tcpipInterfaceKey(6, '{x}'), 'SYSTEM\\CurrentControlSet\\Services\\Tcpip6\\Parameters\\Interfaces\\{x}');
});
