// iphlpapi, setupapi, cfgmgr32 and advapi32 bind under Wine, and the calls wintun-ts makes run
// with the declared types (Wine has no Wintun device, so the device search finds nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { abi } from './helpers.mjs';

const missing = (fn) => abi.isMissingExport(fn);

test('iphlpapi, setupapi, cfgmgr32, advapi32 bind; exports Wine lacks become throwing stand-ins', (t) => {
  const groups = { iphlpapi: abi.iphlpapi(), setupapi: abi.setupapi(), cfgmgr32: abi.cfgmgr32(), advapi32: abi.advapi32() };
  const absent = [];
  for (const [dll, fns] of Object.entries(groups)) {
    for (const [name, fn] of Object.entries(fns)) {
      if (fn === null) continue;
      assert.equal(typeof fn, 'function', name);
      if (missing(fn)) {
        absent.push(`${dll}!${name}`);
        assert.throws(() => fn(), { code: 'ERR_WINTUN_UNSUPPORTED_PLATFORM', syscall: name });
      }
    }
  }
  t.diagnostic(`exports missing under this Wine: ${absent.join(', ') || 'none'}`);
  assert.ok(groups.iphlpapi.SetInterfaceDnsSettings === null || typeof groups.iphlpapi.SetInterfaceDnsSettings === 'function');
  assert.ok(!missing(groups.iphlpapi.GetUnicastIpAddressTable));
  assert.ok(!missing(groups.setupapi.SetupDiGetClassDevsExW));
});

test('Initialize*Entry fill the structs in place', (t) => {
  const ip = abi.iphlpapi();
  if (missing(ip.InitializeUnicastIpAddressEntry) || missing(ip.InitializeIpForwardEntry) || missing(ip.InitializeIpInterfaceEntry)) {
    t.skip('this Wine lacks the Initialize*Entry exports');
    return;
  }
  const row = {};
  ip.InitializeUnicastIpAddressEntry(row);
  assert.equal(typeof row.ValidLifetime, 'number');
  assert.equal(row.ValidLifetime >>> 0, 0xffffffff, 'infinite lifetime by default');
  const fwd = {};
  ip.InitializeIpForwardEntry(fwd);
  assert.equal(fwd.ValidLifetime >>> 0, 0xffffffff);
  const itf = {};
  ip.InitializeIpInterfaceEntry(itf);
  assert.equal(typeof itf.Metric, 'number');
});

test('GetUnicastIpAddressTable returns a table to walk and FreeMibTable', () => {
  const ip = abi.iphlpapi();
  const out = [null];
  const r = ip.GetUnicastIpAddressTable(abi.AF_UNSPEC, out);
  if (r !== 0) {
    assert.ok([2, 1168, 232].includes(r), `status ${r}`);
    return;
  }
  const table = out[0];
  assert.equal(typeof table, 'bigint');
  const n = koffi.decode(table, 'uint32_t');
  const rowType = abi.win32Types().MIB_UNICASTIPADDRESS_ROW;
  for (let i = 0; i < n; i++) {
    const row = koffi.decode(table, 8 + i * 80, rowType);
    assert.ok([abi.AF_INET, abi.AF_INET6].includes(row.Address.si_family));
  }
  ip.FreeMibTable(table);
});

test('ConvertInterfaceLuidToIndex of an unknown LUID fails with a status, not a crash', () => {
  const ip = abi.iphlpapi();
  if (missing(ip.ConvertInterfaceLuidToIndex)) return;
  const index = [0];
  const r = ip.ConvertInterfaceLuidToIndex({ Value: (53n << 48n) | (0xabcdefn << 24n) }, index);
  assert.notEqual(r, 0);
});

test('SetupDiGetClassDevsExW(Net, SWD\\Wintun, PRESENT) enumerates no device under Wine', () => {
  const sa = abi.setupapi();
  const set = sa.SetupDiGetClassDevsExW(abi.guidBytesToStruct(abi.parseGuid(abi.GUID_DEVCLASS_NET)), abi.WINTUN_ENUMERATOR, null, abi.DIGCF_PRESENT, null, null, null);
  if (abi.isInvalidHandle(set)) {
    assert.notEqual(abi.getLastError(), 0);
    return;
  }
  const data = { cbSize: koffi.sizeof(abi.win32Types().SP_DEVINFO_DATA), ClassGuid: abi.guidBytesToStruct(new Uint8Array(16)), DevInst: 0, Reserved: 0 };
  assert.equal(sa.SetupDiEnumDeviceInfo(set, 0, data), 0);
  assert.equal(abi.getLastError(), abi.ERROR_NO_MORE_ITEMS);
  assert.equal(sa.SetupDiDestroyDeviceInfoList(set), 1);
});

test('CM_Get_Device_Interface_List_SizeW / ListW for a missing instance', () => {
  const cm = abi.cfgmgr32();
  const guid = abi.guidBytesToStruct(abi.parseGuid(abi.GUID_DEVINTERFACE_NET));
  const len = [0];
  const cr = cm.CM_Get_Device_Interface_List_SizeW(len, guid, 'SWD\\Wintun\\{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}', abi.CM_GET_DEVICE_INTERFACE_LIST_PRESENT);
  assert.equal(typeof cr, 'number');
  if (cr === abi.CR_SUCCESS && len[0] > 0) {
    const buf = new Uint16Array(len[0]);
    const cr2 = cm.CM_Get_Device_Interface_ListW(guid, 'SWD\\Wintun\\{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}', buf, len[0], 0);
    if (cr2 === abi.CR_SUCCESS) assert.deepEqual(abi.splitMultiSz(buf), []);
  }
  assert.equal(typeof abi.advapi32().RegQueryValueExW, 'function');
  assert.equal(typeof abi.advapi32().RegCloseKey, 'function');
});
