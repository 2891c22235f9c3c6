// The official, signed wintun.dll 0.14.1 under Wine (no driver): binding and error paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abi, officialDll, until } from './helpers.mjs';

const dll = officialDll(process.arch === 'ia32' ? 'x86' : 'amd64');
const skip = dll === null ? 'official wintun.dll not staged (scripts/wine/setup.sh)' : false;

test('all 14 exports bind', { skip }, () => {
  const lib = abi.loadWintun({ dllPath: dll });
  assert.equal(lib.path.toLowerCase(), dll.toLowerCase());
  for (const name of abi.WINTUN_EXPORTS) assert.equal(typeof lib.fn[name], 'function', name);
  assert.equal(Object.keys(lib.fn).length, 14);
  assert.equal(abi.loadWintun({ dllPath: dll }), lib, 'cached per path');
});

test('WintunGetRunningDriverVersion -> ERR_WINTUN_DRIVER_NOT_LOADED (last error 2)', { skip }, () => {
  const lib = abi.loadWintun({ dllPath: dll });
  assert.throws(() => lib.getRunningDriverVersion(), (e) => {
    assert.equal(e.code, 'ERR_WINTUN_DRIVER_NOT_LOADED');
    assert.equal(e.win32Code, 2);
    assert.equal(e.syscall, 'WintunGetRunningDriverVersion');
    return true;
  });
});

test('WintunCreateAdapter returns NULL under Wine -> a mapped WintunError; its log lines reach the user logger', { skip }, async () => {
  const lib = abi.loadWintun({ dllPath: dll });
  const lines = [];
  lib.setLogger((level, timestamp, message) => lines.push({ level, timestamp, message }));
  try {
    assert.throws(() => lib.createAdapter('wtts0', 'wintun-ts', '{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}'), (e) => {
      assert.ok(abi.isWintunError(e));
      assert.equal(e.syscall, 'WintunCreateAdapter');
      assert.equal(typeof e.win32Code, 'number');
      assert.ok(e.code in abi.WintunErrorCodes);
      return true;
    });
    assert.ok(lines.length >= 1, 'lines logged on the calling thread arrive synchronously');
    const line = lines[0];
    assert.equal(line.level, abi.WINTUN_LOG_ERR);
    assert.ok(line.timestamp instanceof Date);
    assert.ok(Math.abs(line.timestamp.getTime() - Date.now()) < 60_000, `timestamp ${line.timestamp.toISOString()}`);
    assert.match(line.message, /\(Code 0x[0-9A-F]{8}\)$/);
    // Wintun's queued orphan cleanup logs from a thread-pool thread; let it finish.
    const before = lines.length;
    await until(() => lines.length > before, 3000);
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    lib.setLogger(null);
  }
});

test('name checks and open errors', { skip }, () => {
  const lib = abi.loadWintun({ dllPath: dll });
  assert.throws(() => lib.openAdapter('wtts-missing'), (e) => abi.isWintunError(e) && e.syscall === 'WintunOpenAdapter');
  assert.throws(() => lib.createAdapter('', 'x'), { code: 'ERR_WINTUN_NAME_INVALID' });
  assert.throws(() => lib.createAdapter('x'.repeat(128), 'x'), { code: 'ERR_WINTUN_NAME_INVALID' });
  lib.closeAdapter(null);
});

test('unload() then a fresh load works', { skip }, () => {
  const lib = abi.loadWintun({ dllPath: dll });
  lib.unload();
  lib.unload();
  assert.equal(lib.loaded, false);
  assert.throws(() => lib.setLogger(() => {}), { code: 'ERR_WINTUN_CLOSED' });
  const again = abi.loadWintun({ dllPath: dll });
  assert.notEqual(again, lib);
  again.unload();
});
