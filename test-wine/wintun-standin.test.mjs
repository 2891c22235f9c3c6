// The project's stand-in wintun.dll: success paths, argument types, last-error mapping and logger
// calls from threads the DLL creates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { abi, standinDll, until } from './helpers.mjs';

const dll = standinDll();
const skip = dll === null ? 'stand-in wintun.dll not built (scripts/wine/setup.sh)' : false;
const lib = dll === null ? null : abi.loadWintun({ dllPath: dll });
let extra = null;
if (lib !== null) {
  const h = koffi.load(dll);
  const { HANDLE, GUID } = abi.win32Types();
  extra = {
    info: h.func('__stdcall', 'StandinGetAdapterInfo', 'int', [HANDLE, 'void *', 'void *', koffi.out(koffi.pointer(GUID))]),
    logFromThread: h.func('__stdcall', 'StandinLogFromThread', 'int', ['int', 'str16', 'uint32_t']),
    threadId: h.func('__stdcall', 'StandinCurrentThreadId', 'uint32_t', []),
    count: h.func('__stdcall', 'StandinAdapterCount', 'uint32_t', []),
  };
}
const utf16 = (buf) => {
  const s = new TextDecoder('utf-16le').decode(buf);
  return s.slice(0, s.indexOf('\0'));
};
function adapterInfo(handle) {
  const name = new Uint8Array(256);
  const type = new Uint8Array(256);
  const guid = {};
  assert.equal(extra.info(handle, name, type, guid), 1);
  return { name: utf16(name), type: utf16(type), guid: abi.formatGuid(abi.guidStructToBytes(guid)) };
}

test('create: wide strings and GUID reach the DLL; LUID out-parameter comes back', { skip }, () => {
  const guid = '{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}';
  const a = lib.createAdapter('Wintun-TS Ünïcödé ✓', 'wintun-ts tunnel', guid);
  assert.equal(typeof a, 'bigint');
  assert.deepEqual(adapterInfo(a), { name: 'Wintun-TS Ünïcödé ✓', type: 'wintun-ts tunnel', guid });
  const luid = lib.getAdapterLuid(a);
  assert.equal(luid, (53n << 48n) | (0xa7b810n << 24n));
  assert.match(abi.describeLuid(luid), /IfType 53, NetLuidIndex 10991632/);
  const raw = {};
  lib.fn.WintunGetAdapterLUID(a, raw);
  assert.equal(BigInt(raw.Value), luid);
  lib.closeAdapter(a);
  assert.equal(extra.count(), 0);
});

test('create without GUID, open (case-insensitive, non-owning), version, delete-driver rules', { skip }, () => {
  assert.throws(() => lib.getRunningDriverVersion(), { code: 'ERR_WINTUN_DRIVER_NOT_LOADED', win32Code: 2 });
  const a = lib.createAdapter('wtts1', 'wintun-ts');
  assert.match(adapterInfo(a).guid, /^\{57A0/);
  const o = lib.openAdapter('WTTS1');
  assert.notEqual(o, a);
  assert.equal(lib.getAdapterLuid(o), lib.getAdapterLuid(a));
  assert.deepEqual(lib.getRunningDriverVersion(), { major: 0, minor: 14, raw: 14 });
  assert.throws(() => lib.deleteDriver(), { code: 'ERR_WINTUN_OS', win32Code: 31, syscall: 'WintunDeleteDriver' });
  lib.closeAdapter(o);
  assert.equal(extra.count(), 1, 'closing an opened handle keeps the adapter');
  lib.closeAdapter(a);
  assert.equal(extra.count(), 0, 'closing the creating handle removes it');
  lib.deleteDriver();
});

test('NULL returns + last error -> WintunError codes', { skip }, () => {
  assert.throws(() => lib.openAdapter('nope'), { code: 'ERR_WINTUN_ADAPTER_NOT_FOUND', win32Code: 1168, syscall: 'WintunOpenAdapter' });
  assert.throws(() => lib.createAdapter('deny-me', 'x'), { code: 'ERR_WINTUN_ACCESS_DENIED', win32Code: 5 });
  const a = lib.createAdapter('dup', 'x');
  assert.throws(() => lib.createAdapter('DUP', 'x'), { code: 'ERR_WINTUN_NAME_TAKEN', win32Code: 5010 });
  assert.throws(() => lib.startSession(a, 1000), { code: 'ERR_WINTUN_INVALID_ARGUMENT', win32Code: 87 });
  lib.closeAdapter(a);
  // The raw function with an empty name: NULL and ERROR_INVALID_PARAMETER from the DLL itself.
  assert.equal(lib.fn.WintunCreateAdapter('', 'x', null), null);
  assert.equal(abi.getLastError(), 87);
});

test('session functions: allocate/send/receive/release through the DLL, read-wait event signalled', { skip }, () => {
  const a = lib.createAdapter('sess', 'x');
  const s = lib.startSession(a, abi.WINTUN_MIN_RING_CAPACITY);
  const ev = lib.getReadWaitEvent(s);
  assert.equal(lib.receivePacket(s), null, 'empty -> null (ERROR_NO_MORE_ITEMS)');
  const p = lib.allocateSendPacket(s, 20);
  assert.equal(typeof p, 'bigint');
  new Uint8Array(koffi.view(p, 20)).set([0x45, 0, 0, 20, 1, 2, 3, 4]);
  assert.throws(() => lib.allocateSendPacket(s, 0x10000), { code: 'ERR_WINTUN_INVALID_ARGUMENT' });
  lib.sendPacket(s, p);
  assert.equal(abi.kernel32().WaitForSingleObject(ev, 1000), abi.WAIT_OBJECT_0);
  const got = lib.receivePacket(s);
  assert.equal(got.size, 20);
  assert.deepEqual(Array.from(new Uint8Array(koffi.view(got.packet, 8))), [0x45, 0, 0, 20, 1, 2, 3, 4]);
  lib.releaseReceivePacket(s, got.packet);
  assert.equal(lib.receivePacket(s), null);
  lib.endSession(s);
  lib.closeAdapter(a);
});

test('logger: lines from the calling thread and from DLL-created threads reach the JS logger', { skip }, async () => {
  const lines = [];
  lib.setLogger((level, timestamp, message) => lines.push({ level, timestamp, message }));
  const a = lib.createAdapter('logged', 'wintun-ts');
  assert.ok(await until(() => lines.length >= 2, 5000), `got ${lines.length} lines`);
  assert.ok(lines.some((l) => l.message === 'Created adapter logged (wintun-ts)' && l.level === 0));
  assert.ok(lines.some((l) => l.message.startsWith('Orphan cleanup #0 (thread ')));
  lib.closeAdapter(a);

  lines.length = 0;
  const me = extra.threadId();
  assert.equal(extra.logFromThread(1, 'foreign', 50), 1);
  assert.ok(await until(() => lines.length >= 50, 10_000), `got ${lines.length} of 50 foreign-thread lines`);
  const ids = new Set(lines.map((l) => Number(/thread (\d+)/.exec(l.message)[1])));
  assert.equal(ids.size, 1);
  assert.ok(!ids.has(me), 'logged from a thread other than the JS thread');
  assert.ok(lines.every((l) => l.level === abi.WINTUN_LOG_WARN));
  assert.deepEqual(lines.map((l) => l.message.split(' ')[1]), Array.from({ length: 50 }, (_, i) => `#${i}`));
  assert.ok(lines.every((l) => Math.abs(l.timestamp.getTime() - Date.now()) < 60_000));

  let thrown = 0;
  lib.setLogger(() => {
    thrown++;
    throw new Error('logger failure must not escape');
  });
  extra.logFromThread(2, 'throwing', 3);
  assert.ok(await until(() => thrown >= 3, 5000));
  lib.setLogger(null);
  extra.logFromThread(2, 'silent', 3);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(thrown, 3);
});
