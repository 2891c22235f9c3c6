// The official wintun.dll 0.14.1 through the Adapter API under Wine (no driver, no private
// namespace): creation fails with a mapped WintunError whose log lines reach the user's logger
// (relayed from Wintun's threads while the JavaScript thread is free), driverVersion reports
// ERR_WINTUN_DRIVER_NOT_LOADED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abi, importBuilt, officialDll, until } from './helpers.mjs';

const adapterPkg = await importBuilt('adapter');
const dll = officialDll(process.arch === 'ia32' ? 'x86' : 'amd64');
const skip = adapterPkg === null ? 'packages/adapter is not built' : dll === null ? 'official wintun.dll not staged' : false;
const { Adapter } = adapterPkg ?? {};

test('Adapter.create -> mapped WintunError from WintunCreateAdapter; log lines reach the logger', { skip, timeout: 60_000 }, async () => {
  const lines = [];
  const logger = (level, message, timestamp) => lines.push({ level, message, timestamp });
  await assert.rejects(Adapter.create({ name: 'wtts-official', guid: '{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}', dllPath: dll, logger }), (e) => {
    assert.ok(abi.isWintunError(e), String(e));
    assert.equal(e.syscall, 'WintunCreateAdapter');
    assert.equal(typeof e.win32Code, 'number');
    assert.ok(e.code in abi.WintunErrorCodes);
    return true;
  });
  assert.ok(await until(() => lines.length >= 1, 5000), 'Wintun logged the failure');
  const line = lines[0];
  assert.equal(line.level, 'error');
  assert.ok(line.timestamp instanceof Date);
  assert.match(line.message, /\(Code 0x[0-9A-F]{8}\)$/);
  // Orphan cleanup logs later from a thread-pool thread; the logger is detached after the failure,
  // so nothing may crash when it does.
  await new Promise((r) => setTimeout(r, 300));
});

test('Adapter.driverVersion -> ERR_WINTUN_DRIVER_NOT_LOADED; open -> a mapped error; list() needs no DLL', { skip, timeout: 60_000 }, async () => {
  await assert.rejects(Adapter.driverVersion({ dllPath: dll }), (e) => {
    assert.equal(e.code, 'ERR_WINTUN_DRIVER_NOT_LOADED');
    assert.equal(e.win32Code, 2, 'GetLastError of the pool thread that ran the .async call');
    return true;
  });
  await assert.rejects(Adapter.open('wtts-missing', { dllPath: dll }), (e) => abi.isWintunError(e) && e.syscall === 'WintunOpenAdapter');
  assert.deepEqual(await Adapter.list(), []);
});

test('a missing DLL is reported before anything runs', { skip, timeout: 60_000 }, async () => {
  await assert.rejects(Adapter.create({ name: 'x', dllPath: 'Z:\\nonexistent\\wintun.dll' }), { code: 'ERR_WINTUN_DLL_NOT_FOUND' });
});
