// Sessions of the adapter's Windows backend under Wine with the emulated driver: VirtualAlloc'd
// rings, auto-reset Win32 events and the session's waits run for real, the driver's part runs in
// worker threads of the emulated registrar. Registration checks (spec 8 edges 1-4, 6, 7, 9), a
// million packets each way, close during waits (edge 30), driver-side unregistration (edge 26),
// and a child process that uses a session and exits by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importBuilt, importWindowsTesting, fixtureUrl } from './helpers.mjs';

/** A copy of a received lease's bytes; the lease is released. */
function copyOf(lease) {
  const copy = lease.data.slice();
  lease.release();
  return copy;
}

const adapterBuilt = await importBuilt('adapter');
const sessionWin32 = await importBuilt('session', 'win32');
const a = adapterBuilt === null || sessionWin32 === null ? null : { ...adapterBuilt, ...sessionWin32 };
const w = await importWindowsTesting();
const skip = a === null || w === null ? 'packages/adapter is not built' : false;
const MIN = 0x20000;
let nextLuid = 0x100n;

/** Ring memory, rings and events the way the backend builds them, plus a descriptor to tamper with. */
function rig(capacity = MIN) {
  const layout = { sendCapacity: capacity, receiveCapacity: capacity };
  const memory = a.allocateRingMemory(a.ringPairSize(layout), { kind: 'native' });
  const rings = a.createRingPair(memory, layout);
  const readEvent = a.createWin32Event();
  const writeEvent = a.createWin32Event();
  const size = a.ringSizeFromCapacity(capacity);
  const desc = {
    send: { ringSize: size, ring: memory.address, tailMoved: readEvent.handle },
    receive: { ringSize: size, ring: memory.address + BigInt(size), tailMoved: writeEvent.handle },
  };
  const target = { luid: (53n << 48n) | (nextLuid++ << 24n), guid: null, name: 'rig' };
  return {
    memory,
    rings,
    readEvent,
    writeEvent,
    desc,
    target,
    encode: (d = desc) => a.encodeRegisterRings(d, a.wintunArchOf()),
    session: (link) => new a.Session({ rings, readEvent, writeEvent, link, memory }),
    dispose() {
      readEvent.close();
      writeEvent.close();
      memory.free();
    },
  };
}

function ipv4(seq, size = 64) {
  const p = new Uint8Array(size);
  p[0] = 0x45;
  p.set([10, 6, 7, 8, 10, 6, 7, 7], 12);
  const v = new DataView(p.buffer);
  v.setUint32(20, seq, true);
  v.setUint32(24, Math.imul(seq, 2654435761) >>> 0, true);
  return p;
}

async function rejectsRegistration(driver, r, bytes, code, win32Code) {
  await assert.rejects(driver.register(bytes, r.target), (e) => {
    assert.equal(e.code, code);
    assert.equal(e.win32Code, win32Code);
    assert.equal(e.syscall, 'DeviceIoControl');
    return true;
  });
}

test('edges 1-3: capacity not a power of two, out of range, RingSize without the trailing area -> ERROR_INVALID_PARAMETER', { skip, timeout: 60_000 }, async () => {
  const driver = w.createEmulatedDriver();
  const r = rig();
  try {
    for (const capacity of [0x30000, 0x10000, 0x8000000]) {
      const d = { ...r.desc, send: { ...r.desc.send, ringSize: a.ringSizeFromCapacity(capacity) } };
      await rejectsRegistration(driver, r, r.encode(d), 'ERR_WINTUN_INVALID_CAPACITY', 87);
    }
    const d = { ...r.desc, receive: { ...r.desc.receive, ringSize: MIN + 12 } };
    await rejectsRegistration(driver, r, r.encode(d), 'ERR_WINTUN_INVALID_CAPACITY', 87);
    assert.equal(driver.registrations.size, 0);
  } finally {
    r.dispose();
  }
});

test('edges 6, 7, 9: descriptor length, NULL ring/event, closed event handle, Send Tail preset -> 87 / 6', { skip, timeout: 60_000 }, async () => {
  const driver = w.createEmulatedDriver();
  const r = rig();
  try {
    await rejectsRegistration(driver, r, new Uint8Array(40), 'ERR_WINTUN_INVALID_ARGUMENT', 87);
    // The other architecture's descriptor (24 bytes in an x64 process, 48 in an x86 one).
    await rejectsRegistration(driver, r, a.encodeRegisterRings(r.desc, a.wintunArchOf() === 'x86' ? 'x64' : 'x86'), 'ERR_WINTUN_INVALID_ARGUMENT', 87);
    await rejectsRegistration(driver, r, r.encode({ ...r.desc, send: { ...r.desc.send, ring: 0n } }), 'ERR_WINTUN_INVALID_ARGUMENT', 87);
    await rejectsRegistration(driver, r, r.encode({ ...r.desc, receive: { ...r.desc.receive, tailMoved: 0n } }), 'ERR_WINTUN_INVALID_ARGUMENT', 87);
    const gone = a.createWin32Event();
    const stale = gone.handle;
    gone.close();
    await rejectsRegistration(driver, r, r.encode({ ...r.desc, send: { ...r.desc.send, tailMoved: stale } }), 'ERR_WINTUN_INVALID_ARGUMENT', 6);
    r.rings.send.storeTail(MIN);
    await rejectsRegistration(driver, r, r.encode(), 'ERR_WINTUN_INVALID_ARGUMENT', 87);
    r.rings.send.storeTail(0);
    assert.equal(driver.registrations.size, 0);
  } finally {
    r.dispose();
  }
});

test('edge 9b: Receive Head preset to 0xFFFFFFFF registers, then the first send reports ERR_WINTUN_EOF', { skip, timeout: 60_000 }, async () => {
  const driver = w.createEmulatedDriver();
  const r = rig();
  r.rings.receive.storeHead(0xffffffff);
  const session = r.session(await driver.register(r.encode(), r.target));
  try {
    assert.throws(() => session.send(ipv4(1)), { code: 'ERR_WINTUN_EOF' });
  } finally {
    await session.close();
  }
  assert.equal(driver.registrations.size, 0);
});

test('edge 4: a second registration for the same adapter -> ERR_WINTUN_ALREADY_REGISTERED (1247); the first keeps working', { skip, timeout: 60_000 }, async () => {
  const driver = w.createEmulatedDriver();
  const r1 = rig();
  const r2 = rig();
  r2.target = r1.target;
  const s1 = r1.session(await driver.register(r1.encode(), r1.target));
  try {
    await rejectsRegistration(driver, r2, r2.encode(), 'ERR_WINTUN_ALREADY_REGISTERED', 1247);
    assert.ok(s1.send(ipv4(7)));
    const back = copyOf(await s1.receive({ timeout: 5000 }));
    assert.equal(new DataView(back.buffer, back.byteOffset).getUint32(20, true), 7);
  } finally {
    await s1.close();
    r2.dispose();
  }
});

test('a million packets each way through VirtualAlloc\'d rings and Win32 events (echo driver), in order and intact', { skip, timeout: 60_000 }, async () => {
  const N = Number(process.env.WINE_SESSION_PACKETS ?? 1_000_000);
  const driver = w.createEmulatedDriver({ mode: 'echo' });
  const r = rig(0x400000);
  const reg = await driver.register(r.encode(), r.target);
  const session = r.session(reg);
  const BATCH = 256;
  const WINDOW = 8192;
  const template = ipv4(0, 64);
  const batch = Array.from({ length: BATCH }, () => Uint8Array.from(template));
  let sent = 0;
  let received = 0;
  let bad = 0;
  const t0 = performance.now();
  const check = (bytes, offset, length) => {
    const v = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
    const seq = v.getUint32(20, true);
    if (length !== 64 || seq !== received || v.getUint32(24, true) !== (Math.imul(seq, 2654435761) >>> 0) || bytes[offset + 12] !== 10 || bytes[offset + 15] !== 7) bad++;
    received++;
  };
  try {
    while (received < N) {
      if (sent < N && sent - received < WINDOW) {
        const n = Math.min(BATCH, N - sent);
        for (let i = 0; i < n; i++) {
          const v = new DataView(batch[i].buffer);
          const seq = sent + i;
          v.setUint32(20, seq, true);
          v.setUint32(24, Math.imul(seq, 2654435761) >>> 0, true);
        }
        sent += session.sendMany(n === BATCH ? batch : batch.slice(0, n));
      }
      if (session.drain(check, 4096) === 0 && (sent >= N || sent - received >= WINDOW)) {
        await session.receiveInto(check, { max: 4096, timeout: 10_000 });
      }
    }
  } finally {
    await session.close();
  }
  const ms = performance.now() - t0;
  test.diagnostic?.(`${N} packets each way in ${ms.toFixed(0)} ms`);
  console.log(`# ${N} packets each way in ${ms.toFixed(0)} ms (${Math.round((N / ms) * 1000)} pps), wakeups ${session.stats.wakeups}, writeSignals ${session.stats.writeSignals}`);
  assert.equal(bad, 0, 'sequence and content');
  assert.equal(received, N);
  assert.equal(Atomics.load(reg.control, a.DriverControl.PRODUCER_DROPS), 0);
  assert.equal(session.stats.sendDrops, 0);
});

test('edge 30: close() during waits rejects pending receives at once with ERR_WINTUN_CLOSED and frees after the driver stopped', { skip, timeout: 60_000 }, async () => {
  const driver = w.createEmulatedDriver({ mode: 'queues' });
  const r = rig();
  const reg = await driver.register(r.encode(), r.target);
  const session = r.session(reg);
  const pending = [session.receive(), session.receive(), session.receiveInto(() => undefined, { max: 4 })];
  await new Promise((res) => setTimeout(res, 150));
  const t0 = performance.now();
  const results = Promise.allSettled(pending).then((all) => ({ all, ms: performance.now() - t0 }));
  const closing = session.close();
  const { all, ms } = await results;
  for (const x of all) {
    assert.equal(x.status, 'rejected');
    assert.equal(x.reason.code, 'ERR_WINTUN_CLOSED');
  }
  assert.ok(ms < 100, `pending receives rejected after ${ms.toFixed(1)} ms`);
  await closing;
  assert.equal(driver.registrations.size, 0);
});

test('queues mode: injected packets arrive, sent packets reach the stack in order', { skip, timeout: 60_000 }, async () => {
  const driver = w.createEmulatedDriver({ mode: 'queues' });
  const r = rig();
  const reg = await driver.register(r.encode(), r.target);
  const session = r.session(reg);
  try {
    assert.ok(reg.stack.inject(ipv4(41)));
    const got = copyOf(await session.receive({ timeout: 5000 }));
    assert.equal(new DataView(got.buffer, got.byteOffset).getUint32(20, true), 41);
    for (let i = 0; i < 10; i++) session.send(ipv4(i));
    const out = [];
    while (out.length < 10) {
      const p = await reg.stack.nextSent(5000);
      assert.ok(p);
      out.push(new DataView(p.buffer, p.byteOffset).getUint32(20, true));
    }
    assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  } finally {
    await session.close();
  }
});

test('edge 26: unregistration by the driver wakes a waiting receive with ERR_WINTUN_EOF', { skip, timeout: 60_000 }, async () => {
  const driver = w.createEmulatedDriver({ mode: 'queues' });
  const r = rig();
  const reg = await driver.register(r.encode(), r.target);
  const session = r.session(reg);
  const pending = session.receive();
  await new Promise((res) => setTimeout(res, 100));
  const t0 = performance.now();
  reg.unregister();
  await assert.rejects(pending, { code: 'ERR_WINTUN_EOF' });
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(r.rings.send.loadTail() >>> 0, 0xffffffff);
  await session.close();
});

test('a child process using a session exits by itself after closing its adapter', { skip, timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wintun-ts-child-'));
  try {
    const out = join(dir, 'result.json');
    const t0 = Date.now();
    const res = spawnSync(process.execPath, [fileURLToPath(fixtureUrl('session-child.mjs')), out], { stdio: 'ignore', env: process.env, timeout: 60_000 });
    const elapsed = Date.now() - t0;
    assert.equal(res.error, undefined, String(res.error));
    assert.equal(res.status, 0);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(result.echoed, 100);
    assert.equal(result.pending, 'ERR_WINTUN_CLOSED');
    const exitAfterDone = Date.now() - result.t;
    assert.ok(exitAfterDone < 5000, `exited ${exitAfterDone} ms after closing (total ${elapsed} ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
