// Struct layouts under the Windows x64 and x86 ABIs, measured by koffi in a real Windows process
// (the suite runs once with 64-bit and once with 32-bit node.exe). The x86 numbers are the MSVC
// x86 layout: 4-byte pointers and handles, ULONG64/LARGE_INTEGER members 8-aligned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { abi } from './helpers.mjs';

const t = abi.win32Types();
const off = (type, member) => koffi.offsetof(type, member);
const x86 = process.arch === 'ia32';
/** The x64 value, or the x86 one in a 32-bit process. */
const arch = (x64, ia32) => (x86 ? ia32 : x64);

test('process is win32-x64 or win32-ia32 (as WINE_ARCH asked)', () => {
  assert.equal(process.platform, 'win32');
  assert.ok(['x64', 'ia32'].includes(process.arch), process.arch);
  if (process.env.WINE_ARCH) assert.equal(process.arch, process.env.WINE_ARCH === 'x86' ? 'ia32' : 'x64');
  assert.equal(abi.wintunArchOf(), arch('x64', 'x86'));
});

test('basic types: GUID 16, NET_LUID 8, SOCKADDR_IN 16, SOCKADDR_IN6 28, SOCKADDR_INET 28', () => {
  assert.equal(koffi.sizeof(t.GUID), 16);
  assert.equal(koffi.sizeof(t.NET_LUID), 8);
  assert.equal(koffi.sizeof(t.SOCKADDR_IN), 16);
  assert.equal(koffi.sizeof(t.SOCKADDR_IN6), 28);
  assert.equal(koffi.sizeof(t.SOCKADDR_INET), 28);
  assert.equal(koffi.alignof(t.SOCKADDR_INET), 4);
  assert.equal(koffi.sizeof(t.IP_ADDRESS_PREFIX), 32);
  assert.equal(koffi.sizeof(t.HANDLE), arch(8, 4));
  assert.equal(koffi.sizeof('long'), 4, 'LLP64: long is 32-bit on Windows');
});

test('MIB_UNICASTIPADDRESS_ROW is 80 bytes', () => {
  assert.equal(koffi.sizeof(t.MIB_UNICASTIPADDRESS_ROW), 80);
  assert.equal(off(t.MIB_UNICASTIPADDRESS_ROW, 'InterfaceLuid'), 32);
  assert.equal(off(t.MIB_UNICASTIPADDRESS_ROW, 'InterfaceIndex'), 40);
  assert.equal(off(t.MIB_UNICASTIPADDRESS_ROW, 'OnLinkPrefixLength'), 60);
  assert.equal(off(t.MIB_UNICASTIPADDRESS_ROW, 'DadState'), 64);
  assert.equal(off(t.MIB_UNICASTIPADDRESS_ROW, 'CreationTimeStamp'), 72);
});

test('MIB_IPINTERFACE_ROW is 168 bytes', () => {
  assert.equal(koffi.sizeof(t.MIB_IPINTERFACE_ROW), 168);
  assert.equal(off(t.MIB_IPINTERFACE_ROW, 'InterfaceLuid'), 8);
  assert.equal(off(t.MIB_IPINTERFACE_ROW, 'InterfaceIdentifier'), 24);
  assert.equal(off(t.MIB_IPINTERFACE_ROW, 'RouterDiscoveryBehavior'), 52);
  assert.equal(off(t.MIB_IPINTERFACE_ROW, 'ZoneIndices'), 80);
  assert.equal(off(t.MIB_IPINTERFACE_ROW, 'Metric'), 148);
  assert.equal(off(t.MIB_IPINTERFACE_ROW, 'NlMtu'), 152);
  assert.equal(off(t.MIB_IPINTERFACE_ROW, 'Connected'), 156);
  assert.equal(off(t.MIB_IPINTERFACE_ROW, 'DisableDefaultRoutes'), 166);
});

test('MIB_IPFORWARD_ROW2 is 104 bytes', () => {
  assert.equal(koffi.sizeof(t.MIB_IPFORWARD_ROW2), 104);
  assert.equal(off(t.MIB_IPFORWARD_ROW2, 'DestinationPrefix'), 12);
  assert.equal(off(t.MIB_IPFORWARD_ROW2, 'NextHop'), 44);
  assert.equal(off(t.MIB_IPFORWARD_ROW2, 'SitePrefixLength'), 72);
  assert.equal(off(t.MIB_IPFORWARD_ROW2, 'Metric'), 84);
  assert.equal(off(t.MIB_IPFORWARD_ROW2, 'Protocol'), 88);
  assert.equal(off(t.MIB_IPFORWARD_ROW2, 'Origin'), 100);
});

test('DNS_INTERFACE_SETTINGS is 64 bytes (x86 48), SP_DEVINFO_DATA 32 (x86 28)', () => {
  assert.equal(koffi.sizeof(t.DNS_INTERFACE_SETTINGS), arch(64, 48));
  assert.equal(off(t.DNS_INTERFACE_SETTINGS, 'Flags'), 8);
  assert.equal(off(t.DNS_INTERFACE_SETTINGS, 'ProfileNameServer'), arch(56, 44));
  assert.equal(koffi.sizeof(t.SP_DEVINFO_DATA), arch(32, 28));
});

test('TUN_REGISTER_RINGS is 48 bytes (x86 24) and matches encodeRegisterRings byte for byte', () => {
  const size = arch(48, 24);
  assert.equal(koffi.sizeof(t.TUN_REGISTER_RINGS), size);
  assert.equal(koffi.sizeof(t.TUN_REGISTER_RINGS_HALF), size / 2);
  assert.equal(off(t.TUN_REGISTER_RINGS_HALF, 'Ring'), arch(8, 4));
  assert.equal(off(t.TUN_REGISTER_RINGS_HALF, 'TailMoved'), arch(16, 8));
  assert.equal(abi.TUN_REGISTER_RINGS_LAYOUT[abi.wintunArchOf()].size, size);
  const rings = x86
    ? { send: { ringSize: 0x4100c, ring: 0x12345000n, tailMoved: 0x1a4n }, receive: { ringSize: 0x2100c, ring: 0x12380000n, tailMoved: 0x1a8n } }
    : { send: { ringSize: 0x4100c, ring: 0x12345678000n, tailMoved: 0x1a4n }, receive: { ringSize: 0x2100c, ring: 0x12345800000n, tailMoved: 0x1a8n } };
  const ours = abi.encodeRegisterRings(rings, abi.wintunArchOf());
  const native = new Uint8Array(size);
  koffi.encode(native, t.TUN_REGISTER_RINGS, {
    Send: { RingSize: rings.send.ringSize, Ring: rings.send.ring, TailMoved: rings.send.tailMoved },
    Receive: { RingSize: rings.receive.ringSize, Ring: rings.receive.ring, TailMoved: rings.receive.tailMoved },
  });
  assert.deepEqual(Array.from(ours), Array.from(native));
});

test('GUID struct encoded by koffi equals parseGuid bytes', () => {
  const text = '{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}';
  const bytes = abi.parseGuid(text);
  const native = new Uint8Array(16);
  koffi.encode(native, t.GUID, abi.guidBytesToStruct(bytes));
  assert.deepEqual(Array.from(native), Array.from(bytes));
  assert.equal(abi.formatGuid(abi.guidStructToBytes(koffi.decode(native, t.GUID))), text);
});

test('SOCKADDR_INET union: IPv4 and IPv6 members encode at the right offsets', () => {
  const b4 = new Uint8Array(28);
  koffi.encode(b4, t.SOCKADDR_INET, { Ipv4: { sin_family: abi.AF_INET, sin_port: 0, sin_addr: { s_addr: [10, 6, 7, 7] }, sin_zero: new Array(8).fill(0) } });
  assert.deepEqual(Array.from(b4.subarray(0, 8)), [2, 0, 0, 0, 10, 6, 7, 7]);
  const b6 = new Uint8Array(28);
  const addr = new Array(16).fill(0);
  addr[0] = 0xfd;
  addr[15] = 1;
  koffi.encode(b6, t.SOCKADDR_INET, { Ipv6: { sin6_family: abi.AF_INET6, sin6_port: 0, sin6_flowinfo: 0, sin6_addr: { s6_addr: addr }, sin6_scope_id: 7 } });
  assert.equal(b6[0], 23);
  assert.equal(b6[8], 0xfd);
  assert.equal(b6[23], 1);
  assert.equal(b6[24], 7);
  assert.equal(koffi.decode(b6, t.SOCKADDR_INET).si_family, 23);
});
