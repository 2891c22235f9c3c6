// The Adapter API end to end under Wine: the project's stand-in wintun.dll for the adapter
// lifecycle, the emulated driver (dist/windows/testing.js) for ring registration; VirtualAlloc'd
// rings, Win32 events and the session's waits run for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { abi, importBuilt, importWindowsTesting, standinDll, until } from './helpers.mjs';

/** A copy of a received lease's bytes; the lease is released. */
function copyOf(lease) {
  const copy = lease.data.slice();
  lease.release();
  return copy;
}


const adapterPkg = await importBuilt('adapter');
const w = await importWindowsTesting();
const dll = standinDll();
const skip = adapterPkg === null || w === null ? 'packages/adapter is not built' : dll === null ? 'stand-in wintun.dll not built' : false;
const { Adapter } = adapterPkg ?? {};
const count = dll === null ? null : koffi.load(dll).func('__stdcall', 'StandinAdapterCount', 'uint32_t', []);
const GUID = '{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}';
const LUID = (53n << 48n) | (0xa7b810n << 24n);

/** An IPv4 packet 10.6.7.8 -> 10.6.7.7 of `size` bytes carrying `seq`. */
function packet(seq, size = 64) {
  const p = new Uint8Array(size);
  p[0] = 0x45;
  p[2] = size >> 8;
  p[3] = size & 0xff;
  p[9] = 17;
  p.set([10, 6, 7, 8], 12);
  p.set([10, 6, 7, 7], 16);
  new DataView(p.buffer).setUint32(20, seq, true);
  return p;
}

test('Adapter.create (requested GUID, wide-string name) -> luid, guid; startSession; echo through the emulated driver; close removes it', { skip, timeout: 60_000 }, async () => {
  const { platform, driver } = await w.createEmulatedWindowsPlatform({ mode: 'echo' });
  const lines = [];
  const adapter = await Adapter.create({ name: 'wtts-Ünï✓', tunnelType: 'wintun-ts-test', guid: GUID, dllPath: dll, logger: (level, message) => lines.push({ level, message }), platform });
  try {
    assert.equal(adapter.name, 'wtts-Ünï✓');
    assert.equal(adapter.luid, LUID);
    assert.equal(adapter.guid, GUID.toLowerCase(), 'the requested GUID (Wine has no interface for the LUID)');
    assert.equal(typeof adapter.index, 'number');
    assert.equal(count(), 1);
    assert.ok(await until(() => lines.length >= 1, 3000), 'the stand-in logs on create (also from its own thread)');
    assert.ok(lines.every((l) => ['info', 'warn', 'error'].includes(l.level)));

    const session = await adapter.startSession({ capacity: 0x20000 });
    const reg = driver.registration(LUID);
    assert.ok(reg, 'registered with the emulated driver');
    assert.equal(reg.descriptor.send.ringSize, 0x20000 + 0x1000c);
    assert.equal(reg.descriptor.receive.ring, reg.descriptor.send.ring + BigInt(0x3000c), 'Receive ring right after the Send ring');
    assert.equal(session.readEvent.kind, 'win32');
    assert.ok(session.send(packet(1)));
    const back = copyOf(await session.receive({ timeout: 5000 }));
    assert.equal(back.length, 64);
    assert.deepEqual(Array.from(back.subarray(12, 20)), [10, 6, 7, 7, 10, 6, 7, 8], 'the peer answered (addresses swapped)');
    assert.equal(new DataView(back.buffer, back.byteOffset).getUint32(20, true), 1);

    await assert.rejects(adapter.startSession({ capacity: 0x20000 }), { code: 'ERR_WINTUN_ALREADY_REGISTERED' });
    const other = await Adapter.open('WTTS-Ünï✓', { dllPath: dll, platform });
    await assert.rejects(other.startSession({ capacity: 0x20000 }), (e) => {
      assert.equal(e.code, 'ERR_WINTUN_ALREADY_REGISTERED');
      assert.equal(e.win32Code, 1247, 'from the (emulated) driver: one registration per adapter');
      return true;
    });
    await other.close();
    assert.equal(count(), 1, 'closing an opened adapter keeps it');
    assert.ok(session.send(packet(2)), 'the first session is unaffected (edge 4)');
    assert.equal(new DataView(copyOf(await session.receive({ timeout: 5000 })).buffer).getUint32(20, true), 2);
  } finally {
    await adapter.close();
  }
  assert.equal(count(), 0, 'the created adapter is removed on close');
  assert.equal(driver.registrations.size, 0, 'unregistered');
  await assert.rejects(adapter.addresses(), { code: 'ERR_WINTUN_CLOSED' });
});

test('stand-in NULL returns map to WintunError codes through the Adapter API', { skip, timeout: 60_000 }, async () => {
  await assert.rejects(Adapter.create({ name: 'deny-me', dllPath: dll }), { code: 'ERR_WINTUN_ACCESS_DENIED', win32Code: 5, syscall: 'WintunCreateAdapter' });
  const a = await Adapter.create({ name: 'dup', dllPath: dll });
  try {
    await assert.rejects(Adapter.create({ name: 'DUP', dllPath: dll }), { code: 'ERR_WINTUN_NAME_TAKEN', win32Code: 5010 });
  } finally {
    await a.close();
  }
  await assert.rejects(Adapter.open('nope', { dllPath: dll }), { code: 'ERR_WINTUN_ADAPTER_NOT_FOUND', win32Code: 1168 });
  await assert.rejects(Adapter.create({ name: 'bad name', dllPath: dll }), { code: 'ERR_WINTUN_NAME_INVALID' });
  assert.equal(await Adapter.driverVersion({ dllPath: dll }).catch((e) => e.code), 'ERR_WINTUN_DRIVER_NOT_LOADED');
  const b = await Adapter.create({ name: 'ver', dllPath: dll });
  assert.equal(await Adapter.driverVersion({ dllPath: dll }), '0.14');
  await assert.rejects(Adapter.deleteDriver({ dllPath: dll }), { code: 'ERR_WINTUN_OS', win32Code: 31 });
  await b.close();
  await Adapter.deleteDriver({ dllPath: dll });
  assert.equal(count(), 0);
});

test('configuration under Wine: addresses() filters by LUID, DNS falls back to the registry, list() sees no SWD\\Wintun device', { skip, timeout: 60_000 }, async () => {
  const a = await Adapter.create({ name: 'cfg', guid: '{DEADBABE-CAFE-BEEF-0123-456789ABCDEF}', dllPath: dll });
  try {
    assert.deepEqual(await a.addresses(), []);
    await a.setDns(['10.6.7.1', 'fd00::1', '10.6.7.2'], ['example.test', 'corp.test']);
    const guid = '{deadbabe-cafe-beef-0123-456789abcdef}';
    if (abi.iphlpapi().SetInterfaceDnsSettings === null) {
      assert.equal(w.readTcpipValue(4, guid, 'NameServer'), '10.6.7.1,10.6.7.2');
      assert.equal(w.readTcpipValue(4, guid, 'SearchList'), 'example.test,corp.test');
      assert.equal(w.readTcpipValue(6, guid, 'NameServer'), 'fd00::1');
    }
    await assert.rejects(a.setDns(['10.6.7.1'], ['a,b']), { code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    // IP Helper row functions Wine lacks report UNSUPPORTED_PLATFORM, never crash.
    for (const call of [() => a.addAddress('10.6.7.7/24'), () => a.setMtu(1420), () => a.addRoute({ destination: '10.8.0.0/16' })]) {
      await call().then(
        () => undefined,
        (e) => assert.ok(abi.isWintunError(e), String(e)),
      );
    }
    await a.setUp(false);
    assert.equal(typeof (await a.isUp()), 'boolean');
    assert.deepEqual(await Adapter.list(), []);
  } finally {
    await a.close();
  }
});

for (const engine of ['rings', 'dll']) test(`Adapter.close()/delete() during startSession (engine ${engine}, varied timing): the start rejects with ERR_WINTUN_CLOSED or its session is closed; nothing stays registered`, { skip, timeout: 120_000 }, async () => {
  const { platform, driver } = await w.createEmulatedWindowsPlatform({ mode: 'echo' });
  const outcomes = {};
  for (let i = 0; i < 60; i++) {
    const adapter = await Adapter.create({ name: `wtts-race-${i}`, dllPath: dll, platform });
    let session = null;
    const start = adapter.startSession({ capacity: 0x20000, engine }).then(
      (s) => ((session = s), 'resolved'),
      (e) => e.code ?? String(e),
    );
    if (i % 4 === 1) await null;
    else if (i % 4 === 2) await new Promise((r) => setImmediate(r));
    else if (i % 4 === 3) await new Promise((r) => setTimeout(r, i % 3));
    await (i % 2 === 0 ? adapter.close() : adapter.delete());
    const outcome = await start;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    assert.ok(outcome === 'resolved' || outcome === 'ERR_WINTUN_CLOSED', `start outcome ${outcome}`);
    if (session !== null) assert.throws(() => session.send(packet(i)), { code: 'ERR_WINTUN_CLOSED' });
    assert.equal(driver.registrations.size, 0, 'nothing registered after the close');
    assert.equal(count(), 0, 'the adapter is gone');
  }
  assert.ok((outcomes.ERR_WINTUN_CLOSED ?? 0) > 0, `some starts lost the race: ${JSON.stringify(outcomes)}`);
});
