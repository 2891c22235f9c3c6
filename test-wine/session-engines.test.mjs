// The two Windows session engines under Wine. 'dll': a Session over the stand-in wintun.dll's own
// session exports (WintunStartSession, WintunReceivePacket/WintunReleaseReceivePacket,
// WintunAllocateSendPacket/WintunSendPacket, WintunGetReadWaitEvent, WintunEndSession), built
// directly (for the white-box checks that need the DLL session handle) and through
// Adapter.startSession({ engine }). 'rings' against the same adapters through the emulated
// driver. 'auto' falls back to the DLL when the rings registration fails in a way the DLL path
// survives (forced with StandinFailRegistration on the claim path), logs why, and reports
// session.engine === 'dll'; a failure the DLL cannot survive (access denied) is not retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { abi, importBuilt, importWindowsTesting, standinDll } from './helpers.mjs';
import { STANDIN_MODE_ECHO, STANDIN_MODE_QUEUES, STANDIN_PATH_CLAIM, standinSessionExports } from './fixtures/standin-session-exports.mjs';

const adapterPkg = await importBuilt('adapter');
const sessionWin32 = await importBuilt('session', 'win32');
const w = await importWindowsTesting();
const dll = standinDll();
const skip = adapterPkg === null || sessionWin32 === null || w === null ? 'packages are not built' : dll === null ? 'stand-in wintun.dll not built' : false;
const { Adapter, Session, WintunError } = adapterPkg ?? {};
const lib = dll === null ? null : abi.loadWintun({ dllPath: dll });
const x = dll === null ? null : standinSessionExports(dll);
const MIN = 0x20000;
let seq = 0;

/** An IPv4 packet 10.6.7.8 -> 10.6.7.7 of `size` bytes carrying `n`. */
function packet(n, size = 64) {
  const p = new Uint8Array(size);
  p[0] = 0x45;
  p[2] = size >> 8;
  p[3] = size & 0xff;
  p[9] = 17;
  p.set([10, 6, 7, 8], 12);
  p.set([10, 6, 7, 7], 16);
  new DataView(p.buffer).setUint32(20, n, true);
  return p;
}
const seqOf = (bytes, offset = 0) => new DataView(bytes.buffer, bytes.byteOffset + offset).getUint32(20, true);

/** A stand-in adapter and a 'dll' engine Session over a DLL session of it, built the way the adapter builds it. */
function dllRig(mode = STANDIN_MODE_QUEUES, capacity = MIN) {
  const a = lib.createAdapter(`h-eng-${process.pid}-${seq++}`, 'wintun-ts-test');
  const luid = lib.getAdapterLuid(a);
  assert.equal(x.setMode(luid, mode), 1);
  const handle = lib.startSession(a, capacity);
  let ended = 0;
  const link = {
    close: async () => {
      ended++;
      await new Promise((resolve) => lib.fn.WintunEndSession.async(handle, () => resolve()));
    },
  };
  const readEvent = sessionWin32.openWin32Event(lib.getReadWaitEvent(handle));
  const session = new Session({ engine: 'dll', calls: lib, handle, view: (address, length) => koffi.view(address, length), readEvent, link });
  return {
    a,
    luid,
    handle,
    session,
    ended: () => ended,
    async dispose() {
      await session.close();
      lib.closeAdapter(a);
    },
  };
}

function inject(r, p) {
  assert.equal(x.inject(r.handle, p, p.length), 1);
}

function take(r, timeoutMs = 5000) {
  const buf = new Uint8Array(0x10000);
  const n = x.take(r.handle, buf, buf.length, timeoutMs);
  return n === 0 ? null : buf.slice(0, n);
}

test("dll engine: leases, drain, receiveInto, batches and every send form go through the DLL's exports in order", { skip, timeout: 60_000 }, async () => {
  const r = dllRig();
  try {
    assert.equal(r.session.engine, 'dll');
    assert.ok(Number.isNaN(r.session.sendFreeBytes), 'the DLL does not show its ring');
    // receive forms
    for (let i = 0; i < 10; i++) inject(r, packet(i, 60 + i));
    const lease = r.session.tryReceive();
    assert.equal(seqOf(lease.data), 0);
    assert.equal(lease.length, 60);
    const view = lease.data;
    lease.release();
    assert.equal(view.byteLength, 0, 'a released lease is detached: it cannot reach ring memory the DLL reuses');
    assert.equal(seqOf(await r.session.receive({ timeout: 1000 }).then((l) => { const c = l.data.slice(); l.release(); return c; })), 1);
    const drained = [];
    assert.equal(r.session.drain((bytes, offset, length) => drained.push([seqOf(bytes, offset), length]), 3), 3);
    assert.deepEqual(drained, [[2, 62], [3, 63], [4, 64]]);
    const into = [];
    assert.equal(await r.session.receiveInto((bytes, offset) => into.push(seqOf(bytes, offset)), { max: 2, timeout: 1000 }), 2);
    assert.deepEqual(into, [5, 6]);
    const fromBatches = [];
    const ac = new AbortController();
    for await (const batch of r.session.batches({ signal: ac.signal })) {
      for (let i = 0; i < batch.count; i++) fromBatches.push(seqOf(batch.bytes, batch.offset(i)));
      if (fromBatches.length === 3) ac.abort();
    }
    assert.deepEqual(fromBatches, [7, 8, 9]);
    // a waiting receive is woken by the DLL's read event
    const pending = r.session.receive({ timeout: 5000 });
    setTimeout(() => inject(r, packet(77)), 50);
    const woke = await pending;
    assert.equal(seqOf(woke.data), 77);
    woke.release();
    // send forms, wire order = call order
    assert.ok(r.session.send(packet(100)));
    assert.equal(r.session.sendMany([packet(101), packet(102)]), 2);
    assert.ok(r.session.sendWith(64, (bytes, offset) => bytes.set(packet(103), offset)));
    assert.throws(() => r.session.sendWith(64, () => { throw new Error('fill failed'); }), /fill failed/);
    const slot = r.session.allocateSend(64);
    slot.data.set(packet(104));
    slot.commit();
    assert.equal(slot.data.byteLength, 0, 'a committed slot is detached');
    r.session.allocateSend(64).discard();
    r.session.flushSends();
    await r.session.waitForSpace(1500, { timeout: 1000 });
    const out = [];
    for (let p = take(r, 200); p !== null; p = take(r, 200)) out.push(p[0] === 0 ? 'discard' : seqOf(p));
    // take() drops what is not IP (the discarded records) or reports it: only the real packets count here.
    assert.deepEqual(out.filter((v) => v !== 'discard'), [100, 101, 102, 103, 104]);
    assert.equal(r.session.stats.packetsSent, 5);
    assert.equal(r.session.stats.packetsReceived, 11);
    assert.ok(r.session.stats.sendDiscards >= 3, 'the failed fill, the discarded slot and the space probe');
  } finally {
    await r.dispose();
  }
  assert.equal(r.ended(), 1, 'WintunEndSession once');
  assert.equal(x.state(r.luid), 0xffffffff, 'the adapter is gone');
});

test('dll engine: 100k packets each way through the echo thread, in order and intact', { skip, timeout: 120_000 }, async () => {
  const N = Number(process.env.WINE_DLL_ENGINE_PACKETS ?? 100_000);
  const r = dllRig(STANDIN_MODE_ECHO, 0x400000);
  let sent = 0;
  let received = 0;
  let bad = 0;
  const check = (bytes, offset, length) => {
    if (length !== 64 || seqOf(bytes, offset) !== received || bytes[offset + 12] !== 10 || bytes[offset + 15] !== 7) bad++;
    received++;
  };
  const t0 = performance.now();
  try {
    const batch = Array.from({ length: 64 }, () => packet(0));
    while (received < N) {
      if (sent < N && sent - received < 4096) {
        const n = Math.min(batch.length, N - sent);
        for (let i = 0; i < n; i++) new DataView(batch[i].buffer).setUint32(20, sent + i, true);
        sent += r.session.sendMany(n === batch.length ? batch : batch.slice(0, n));
      }
      if (r.session.drain(check, 4096) === 0 && (sent >= N || sent - received >= 4096)) {
        await r.session.receiveInto(check, { max: 4096, timeout: 10_000 });
      }
    }
  } finally {
    await r.dispose();
  }
  const ms = performance.now() - t0;
  console.log(`# dll engine: ${N} packets each way in ${ms.toFixed(0)} ms (${Math.round((N / ms) * 1000)} pps)`);
  assert.equal(bad, 0);
  assert.equal(received, N);
});

test('dll engine: close() during waits rejects them at once, detaches unreleased leases and unsettled slots, then ends the DLL session', { skip, timeout: 60_000 }, async () => {
  const r = dllRig();
  inject(r, packet(1));
  const kept = r.session.tryReceive();
  const slot = r.session.allocateSend(100);
  const pending = [r.session.receive(), r.session.receiveInto(() => undefined)];
  await new Promise((res) => setTimeout(res, 150));
  const t0 = performance.now();
  const settled = Promise.allSettled(pending).then((all) => ({ all, ms: performance.now() - t0 }));
  const closing = r.session.close();
  const { all, ms } = await settled;
  for (const s of all) assert.equal(s.reason?.code, 'ERR_WINTUN_CLOSED');
  assert.ok(ms < 100, `rejected after ${ms.toFixed(1)} ms`);
  await closing;
  assert.equal(r.ended(), 1);
  assert.equal(kept.data.byteLength, 0, 'an unreleased lease cannot reach the freed rings');
  assert.equal(slot.data.byteLength, 0, 'nor can an unsettled slot');
  kept.release();
  assert.throws(() => slot.commit(), { code: 'ERR_WINTUN_CLOSED' });
  assert.equal(x.state(r.luid), 0, 'unregistered');
  lib.closeAdapter(r.a);
});

test('dll engine: the DLL ending the session wakes a waiting receive with ERR_WINTUN_EOF', { skip, timeout: 60_000 }, async () => {
  const r = dllRig();
  try {
    const pending = r.session.receive();
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(x.end(r.handle), 1);
    await assert.rejects(pending, { code: 'ERR_WINTUN_EOF' });
    assert.equal(r.session.isOpen, false);
  } finally {
    await r.dispose();
  }
});

for (const engine of ['rings', 'dll', 'auto']) {
  test(`Adapter.startSession({ engine: '${engine}' }): echo through the ${engine === 'dll' ? "stand-in DLL's driver thread" : 'emulated driver'}; a second start is refused`, { skip, timeout: 60_000 }, async () => {
    const { platform, driver } = await w.createEmulatedWindowsPlatform({ mode: 'echo' });
    const adapter = await Adapter.create({ name: `h-eng-${engine}-${process.pid}`, tunnelType: 'wintun-ts-test', dllPath: dll, platform });
    try {
      assert.equal(x.setMode(adapter.luid, STANDIN_MODE_ECHO), 1);
      const session = await adapter.startSession({ capacity: MIN, engine });
      assert.equal(session.engine, engine === 'dll' ? 'dll' : 'rings');
      assert.equal(driver.registrations.size, engine === 'dll' ? 0 : 1);
      for (let i = 0; i < 50; i++) assert.ok(session.send(packet(i)));
      for (let i = 0; i < 50; i++) {
        const lease = await session.receive({ timeout: 5000 });
        assert.equal(seqOf(lease.data), i);
        assert.deepEqual(Array.from(lease.data.subarray(12, 20)), [10, 6, 7, 7, 10, 6, 7, 8], 'answered with the addresses swapped');
        lease.release();
      }
      await assert.rejects(adapter.startSession({ capacity: MIN, engine }), { code: 'ERR_WINTUN_ALREADY_REGISTERED' });
      await session.close();
      assert.equal(x.state(adapter.luid), 0);
    } finally {
      await adapter.close();
    }
  });
}

test("Adapter.startSession({ engine: 'auto' }) falls back to the DLL when the rings registration fails in a way the DLL survives, and says why", { skip, timeout: 60_000 }, async () => {
  const { platform, driver } = await w.createEmulatedWindowsPlatform({ mode: 'echo' });
  // The rings registration goes through the stand-in's claim path first (as the kernel
  // registrar's DeviceIoControl would meet the driver), then to the emulated driver.
  const register = driver.register.bind(driver);
  driver.register = async (descriptor, target) => {
    const code = x.claim(target.luid);
    if (code === 5) throw new WintunError('ERR_WINTUN_ACCESS_DENIED', 'claim: access denied', { win32Code: 5, syscall: 'DeviceIoControl' });
    if (code !== 0) throw new WintunError('ERR_WINTUN_INVALID_USER_BUFFER', `claim failed with ${code}`, { win32Code: code, syscall: 'DeviceIoControl' });
    x.unclaim(target.luid);
    return register(descriptor, target);
  };
  const lines = [];
  const adapter = await Adapter.create({ name: `h-auto-${process.pid}`, tunnelType: 'wintun-ts-test', dllPath: dll, platform, logger: (level, message) => lines.push({ level, message }) });
  try {
    assert.equal(x.setMode(adapter.luid, STANDIN_MODE_ECHO), 1);
    assert.equal(x.fail(adapter.luid, 1784, STANDIN_PATH_CLAIM), 1);
    await assert.rejects(adapter.startSession({ capacity: MIN, engine: 'rings' }), { code: 'ERR_WINTUN_INVALID_USER_BUFFER' });
    assert.equal(x.state(adapter.luid), 0, "'rings' does not fall back");

    const session = await adapter.startSession({ capacity: MIN });
    assert.equal(session.engine, 'dll', "'auto' is the default and fell back");
    assert.equal(driver.registrations.size, 0);
    assert.equal(x.state(adapter.luid), 1, 'registered through the DLL');
    const line = lines.find((l) => l.level === 'warn' && l.message.includes("falls back to wintun.dll's session functions"));
    assert.ok(line, `the logger says why: ${JSON.stringify(lines)}`);
    assert.match(line.message, /ERR_WINTUN_INVALID_USER_BUFFER/);
    assert.ok(session.send(packet(7)));
    const back = await session.receive({ timeout: 5000 });
    assert.equal(seqOf(back.data), 7);
    back.release();
    await session.close();

    assert.equal(x.fail(adapter.luid, 5, STANDIN_PATH_CLAIM), 1);
    await assert.rejects(adapter.startSession({ capacity: MIN }), { code: 'ERR_WINTUN_ACCESS_DENIED' }, 'access denied: the DLL would fail too; no fallback');
    assert.equal(x.state(adapter.luid), 0);
    assert.equal(x.fail(adapter.luid, 0, 0), 1);
    const again = await adapter.startSession({ capacity: MIN });
    assert.equal(again.engine, 'rings', 'once the registration works, auto uses the rings');
    await again.close();
  } finally {
    await adapter.close();
  }
});

test('startSession validates engine', { skip, timeout: 30_000 }, async () => {
  const { platform } = await w.createEmulatedWindowsPlatform({ mode: 'echo' });
  const adapter = await Adapter.create({ name: `h-val-${process.pid}`, tunnelType: 'wintun-ts-test', dllPath: dll, platform });
  try {
    for (const bad of ['DLL', 'kernel', 1, null, true]) {
      await assert.rejects(adapter.startSession({ capacity: MIN, engine: bad }), { code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    }
  } finally {
    await adapter.close();
  }
});

test("8 idle sessions (waiting receives) hold no libuv pool thread: fs.readFile and dns.lookup('localhost') keep their usual time, and every session still receives promptly", { skip, timeout: 120_000 }, async () => {
  const { readFile } = await import('node:fs/promises');
  const { lookup } = await import('node:dns/promises');
  const file = new URL(import.meta.url);
  /** 20 file reads and 5 lookups, one after the other (each needs a pool thread). */
  const work = async () => {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await readFile(file);
    for (let i = 0; i < 5; i++) await lookup('localhost');
    return performance.now() - t0;
  };
  await work(); // warm up
  const baseline = Math.min(await work(), await work());
  const rigs = [];
  try {
    for (let i = 0; i < 8; i++) rigs.push(dllRig());
    // Every session waits (its pump waits on the DLL's read event) for the whole measurement.
    const waiting = rigs.map((r) => r.session.receive({ timeout: 60_000 }));
    await new Promise((res) => setTimeout(res, 300));
    const loaded = Math.min(await work(), await work());
    console.log(`# 20 readFile + 5 dns.lookup: ${baseline.toFixed(1)} ms alone, ${loaded.toFixed(1)} ms with 8 idle sessions`);
    assert.ok(loaded < Math.max(4 * baseline, baseline + 250), `with 8 waiting sessions the pool work took ${loaded.toFixed(1)} ms (alone ${baseline.toFixed(1)} ms)`);
    // Every session still receives promptly.
    const t0 = performance.now();
    rigs.forEach((r, i) => inject(r, packet(i)));
    const leases = await Promise.all(waiting);
    const ms = performance.now() - t0;
    leases.forEach((l, i) => {
      assert.equal(seqOf(l.data), i);
      l.release();
    });
    assert.ok(ms < 1000, `8 sessions woke in ${ms.toFixed(1)} ms`);
  } finally {
    for (const r of rigs) await r.dispose();
  }
});

test("dll engine: a waiting session keeps the process alive like a timer; an unref'd one lets it exit at once", { skip, timeout: 90_000 }, async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const { fixtureUrl } = await import('./helpers.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'wintun-ts-h-'));
  try {
    const run = (mode) => {
      const out = join(dir, `${mode}.json`);
      const res = spawnSync(process.execPath, [fileURLToPath(fixtureUrl('dll-engine-child.mjs')), mode, out], { stdio: 'ignore', env: process.env, timeout: 30_000 });
      assert.equal(res.error, undefined, String(res.error));
      assert.equal(res.status, 0);
      return JSON.parse(readFileSync(out, 'utf8')).ms;
    };
    const unref = run('unref');
    const ref = run('ref');
    assert.ok(unref < 1000, `an unref'd waiting session let the process exit after ${unref.toFixed(0)} ms`);
    assert.ok(ref >= 1400, `a waiting session kept the process alive for ${ref.toFixed(0)} ms (its receive waits 1500 ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
