// The stand-in wintun.dll's session exports under Wine: wintun.dll's client side over two real
// TUN_RING rings (spec sections 1 and 4), and the driver side the stand-in plays inside the DLL
// (StandinSession* test exports; an echo thread by default). This is what a session engine over
// wintun.dll's own exports runs against under Wine, so every rule it relies on is checked here
// through the same FFI bindings (abi's loadWintun) plus white-box reads of the ring headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { abi, fixtureUrl, sleep, standinDll, until } from './helpers.mjs';
import {
  STANDIN_MODE_ECHO as MODE_ECHO,
  STANDIN_MODE_QUEUES as MODE_QUEUES,
  STANDIN_PATH_CLAIM as PATH_CLAIM,
  STANDIN_PATH_DLL as PATH_DLL,
  standinSessionExports,
} from './fixtures/standin-session-exports.mjs';

const dll = standinDll();
const skip = dll === null ? 'stand-in wintun.dll not built (scripts/wine/setup.sh)' : false;
const lib = dll === null ? null : abi.loadWintun({ dllPath: dll });
const MIN = abi.WINTUN_MIN_RING_CAPACITY;
const RING_OVERHEAD = 0x1000c;
const WAIT_OBJECT_0 = 0;
const WAIT_TIMEOUT = 258;
const WAIT_FAILED = 0xffffffff;
const ERROR_INVALID_HANDLE = 6;
const ERROR_INVALID_DATA = 13;
const ERROR_HANDLE_EOF = 38;
const ERROR_BUFFER_OVERFLOW = 111;
const ERROR_NO_MORE_ITEMS = 259;
const ERROR_ALREADY_INITIALIZED = 1247;
const ERROR_INVALID_USER_BUFFER = 1784;

let x = null;
let k32 = null;
if (lib !== null) {
  x = standinSessionExports(dll);
  const MBI =
    process.arch === 'x64'
      ? koffi.struct({ BaseAddress: 'void *', AllocationBase: 'void *', AllocationProtect: 'uint32_t', PartitionId: 'uint16_t', RegionSize: 'size_t', State: 'uint32_t', Protect: 'uint32_t', Type: 'uint32_t' })
      : koffi.struct({ BaseAddress: 'void *', AllocationBase: 'void *', AllocationProtect: 'uint32_t', RegionSize: 'size_t', State: 'uint32_t', Protect: 'uint32_t', Type: 'uint32_t' });
  const kernel = koffi.load('kernel32.dll');
  k32 = {
    ...abi.kernel32(),
    VirtualQuery: kernel.func('__stdcall', 'VirtualQuery', 'size_t', ['void *', koffi.out(koffi.pointer(MBI)), 'size_t']),
    mbiSize: koffi.sizeof(MBI),
  };
}

const waitAsync = (handle, ms) => new Promise((resolve, reject) => k32.WaitForSingleObject.async(handle, ms, (e, r) => (e ? reject(e) : resolve(r))));
const takeAsync = (s, buf, ms) => new Promise((resolve, reject) => x.take.async(s, buf, buf.length, ms, (e, r) => (e ? reject(e) : resolve(r))));

/** Head, Tail, Alertable of a ring header (white-box: the shared words the driver sees). */
function header(ring) {
  const v = new Uint32Array(koffi.view(ring, 12));
  return { head: v[0], tail: v[1], alertable: v[2], view: v };
}

/** Deterministic bytes for packet `seq`: an IPv4 (or IPv6) header, then a pattern. */
function packet(seq, size, version = 4) {
  const p = new Uint8Array(size);
  let h = Math.imul(seq + 1, 2654435761) >>> 0;
  for (let i = 0; i < size; i++) {
    h = (Math.imul(h ^ (h >>> 15), 2246822519) + i) >>> 0;
    p[i] = h & 0xff;
  }
  if (version === 4 && size >= 20) {
    p[0] = 0x45;
    p.set([10, 7, 0, 1, 10, 7, 0, 2], 12);
  } else if (version === 6 && size >= 40) {
    p[0] = 0x60;
  } else if (size > 0) {
    p[0] = 0x10; // neither 4 nor 6: not IP
  }
  return p;
}

/** A copy of a packet that lives in ring memory. */
const bytesAt = (ptr, size) => new Uint8Array(koffi.view(ptr, size)).slice();

/** Allocates, fills and returns the pointer of a send packet (null when the ring is full). */
function allocate(s, bytes) {
  const ptr = lib.allocateSendPacket(s, bytes.length);
  if (ptr !== null && bytes.length) new Uint8Array(koffi.view(ptr, bytes.length)).set(bytes);
  return ptr;
}

let adapterSeq = 0;
/** A fresh adapter on the stand-in whose sessions use `mode`; returns its handle and LUID. */
function adapter(mode = MODE_QUEUES) {
  const a = lib.createAdapter(`g-sess-${process.pid}-${adapterSeq++}`, 'wintun-ts-test');
  const luid = lib.getAdapterLuid(a);
  assert.equal(x.setMode(luid, mode), 1);
  return { a, luid };
}

test('start: ring layout, the driver\'s checks in its order, one registration per adapter across paths, forced failures', { skip }, () => {
  const { a, luid } = adapter();
  try {
    assert.throws(() => lib.startSession(a, 1000), { code: 'ERR_WINTUN_INVALID_ARGUMENT', win32Code: 87 });
    assert.throws(() => lib.startSession(a, 0x30000), { win32Code: 87 }, 'not a power of two');
    assert.throws(() => lib.startSession(a, 0x8000000), { win32Code: 87 }, 'over the maximum');
    assert.equal(x.state(luid), 0, 'a failed start leaves the adapter unregistered');

    const s = lib.startSession(a, MIN);
    const st = x.stats(s);
    assert.equal(st.Capacity, MIN);
    assert.equal(st.Mode, MODE_QUEUES);
    assert.equal(st.ReceiveRing - st.SendRing, BigInt(MIN + RING_OVERHEAD), 'Receive ring right after the Send ring');
    for (const ring of [st.SendRing, st.ReceiveRing]) {
      const { head, tail, alertable } = header(ring);
      assert.deepEqual([head, tail, alertable], [0, 0, 0]);
    }
    assert.equal(x.state(luid), 1);
    assert.throws(() => lib.startSession(a, MIN), { code: 'ERR_WINTUN_ALREADY_REGISTERED', win32Code: ERROR_ALREADY_INITIALIZED });
    assert.throws(() => lib.startSession(a, 1000), { win32Code: ERROR_ALREADY_INITIALIZED }, 'the registration check comes before the capacity check');
    assert.equal(x.claim(luid), ERROR_ALREADY_INITIALIZED, 'an outside registration sees the DLL session');
    lib.endSession(s);
    assert.equal(x.state(luid), 0);

    assert.equal(x.claim(luid), 0);
    assert.equal(x.state(luid), 2);
    assert.throws(() => lib.startSession(a, MIN), { win32Code: ERROR_ALREADY_INITIALIZED }, 'the DLL sees an outside registration');
    assert.equal(x.claim(luid), ERROR_ALREADY_INITIALIZED);
    assert.equal(x.unclaim(luid), 1);
    assert.equal(x.unclaim(luid), 0, 'released twice');

    assert.equal(x.fail(luid, 5, PATH_DLL), 1);
    assert.throws(() => lib.startSession(a, MIN), { code: 'ERR_WINTUN_ACCESS_DENIED', win32Code: 5 });
    assert.equal(x.claim(luid), 0, 'the claim path is not forced');
    assert.equal(x.unclaim(luid), 1);
    assert.equal(x.fail(luid, ERROR_INVALID_USER_BUFFER, PATH_CLAIM), 1);
    assert.equal(x.claim(luid), ERROR_INVALID_USER_BUFFER, 'the rings path fails ...');
    const s2 = lib.startSession(a, MIN);
    assert.equal(x.state(luid), 1, '... while the DLL path registers (what an "auto" fallback needs)');
    lib.endSession(s2);
    assert.equal(x.fail(luid, 0, 0), 1);
    assert.equal(x.claim(luid), 0, 'cleared');
    assert.equal(x.unclaim(luid), 1);
    assert.equal(x.fail(0x1234n, 5, PATH_DLL), 0, 'no such adapter');
    assert.equal(x.state(0x1234n), 0xffffffff);
  } finally {
    lib.closeAdapter(a);
  }
});

test('receive: empty -> ERROR_NO_MORE_ITEMS; the read event is set on every Send Tail move; out-of-order release moves Head over the released prefix only (edge 12)', { skip }, () => {
  const { a } = adapter();
  const s = lib.startSession(a, MIN);
  try {
    const ev = lib.getReadWaitEvent(s);
    const send = x.stats(s).SendRing;
    assert.equal(k32.WaitForSingleObject(ev, 0), WAIT_TIMEOUT, 'created unsignalled');
    const size = [0];
    assert.equal(lib.fn.WintunReceivePacket(s, size), null);
    assert.equal(abi.getLastError(), ERROR_NO_MORE_ITEMS);
    assert.equal(lib.receivePacket(s), null);

    const pa = packet(1, 21);
    const pb = packet(2, 40, 6);
    const pc = packet(3, 100);
    assert.equal(x.inject(s, pa, pa.length), 1);
    assert.equal(k32.WaitForSingleObject(ev, 0), WAIT_OBJECT_0, 'set by the Tail move');
    assert.equal(k32.WaitForSingleObject(ev, 0), WAIT_TIMEOUT, 'auto-reset');
    assert.equal(x.inject(s, pb, pb.length), 1);
    assert.equal(x.inject(s, pc, pc.length), 1);
    assert.equal(k32.WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
    assert.equal(header(send).tail, 28 + 44 + 104, 'records take align4(4 + size) bytes: 21 -> 28, 40 -> 44, 100 -> 104');

    const got = [lib.receivePacket(s), lib.receivePacket(s), lib.receivePacket(s)];
    assert.deepEqual(got.map((g) => g.size), [21, 40, 100]);
    assert.deepEqual(bytesAt(got[0].packet, 21), pa);
    assert.deepEqual(bytesAt(got[1].packet, 40), pb);
    assert.deepEqual(bytesAt(got[2].packet, 100), pc);
    assert.equal(got[1].packet - got[0].packet, 28n, 'payloads are views of consecutive ring records');
    assert.equal(lib.receivePacket(s), null);
    assert.equal(header(send).head, 0, 'receiving does not move the shared Head');
    assert.equal(x.stats(s).ReceiveOutstanding, 3);

    lib.releaseReceivePacket(s, got[2].packet);
    assert.equal(header(send).head, 0, 'C released: A is still out');
    lib.releaseReceivePacket(s, got[0].packet);
    assert.equal(header(send).head, 28, 'A released: Head moves past A only');
    lib.releaseReceivePacket(s, got[1].packet);
    assert.equal(header(send).head, 28 + 44 + 104, 'B released: Head jumps past B and C');
    assert.equal(x.stats(s).ReceiveOutstanding, 0);
    assert.equal(x.stats(s).Misuse, 0);
    lib.releaseReceivePacket(s, got[1].packet);
    lib.releaseReceivePacket(s, got[1].packet + 4n);
    const st = x.stats(s);
    assert.equal(st.Misuse, 2, 'a double release and a pointer that is no packet are refused and counted');
    assert.equal(header(send).head, 28 + 44 + 104);
    assert.equal(st.Injected, 3);
  } finally {
    lib.endSession(s);
    lib.closeAdapter(a);
  }
});

test('allocate/send: allocation order is wire order, Tail is published over the committed prefix only, the Receive event is set only when the driver is Alertable (edges 14, 16, 34)', { skip }, async () => {
  const { a } = adapter();
  const s = lib.startSession(a, MIN);
  try {
    const st0 = x.stats(s);
    const ring = header(st0.ReceiveRing);
    const buf = new Uint8Array(0x10000);
    const pa = packet(10, 20);
    const pb = packet(11, 40, 6);
    const A = allocate(s, pa);
    const B = allocate(s, pb);
    assert.equal(B - A, 24n);
    lib.sendPacket(s, B);
    assert.equal(ring.view[1], 0, 'B committed behind an unsent A: Tail not published');
    assert.equal(x.take(s, buf, buf.length, 0), 0);
    assert.equal(abi.getLastError(), ERROR_NO_MORE_ITEMS);
    assert.equal(x.stats(s).SendOutstanding, 2);
    lib.sendPacket(s, A);
    assert.equal(ring.view[1], 24 + 44, 'A sent: one publish covers A and B');
    assert.equal(x.stats(s).SendOutstanding, 0);
    assert.equal(x.take(s, buf, buf.length, 0), 20);
    assert.deepEqual(buf.subarray(0, 20), pa);
    assert.equal(x.take(s, buf, buf.length, 0), 40);
    assert.deepEqual(buf.subarray(0, 40), pb);
    assert.equal(ring.view[0], 24 + 44, 'the driver side moved Head');
    lib.sendPacket(s, A);
    assert.equal(x.stats(s).Misuse, 1, 'sending twice is refused and counted');

    // The Alertable handshake, white-box: the driver's flag decides whether a publish signals.
    const rx = st0.ReceiveTailMoved;
    assert.equal(k32.WaitForSingleObject(rx, 0), WAIT_TIMEOUT);
    const one = packet(12, 20);
    lib.sendPacket(s, allocate(s, one));
    assert.equal(k32.WaitForSingleObject(rx, 0), WAIT_TIMEOUT, 'driver not Alertable: no SetEvent');
    ring.view[2] = 1;
    const C = allocate(s, one);
    const D = allocate(s, one);
    lib.sendPacket(s, D);
    assert.equal(k32.WaitForSingleObject(rx, 0), WAIT_TIMEOUT, 'nothing published: no SetEvent even when Alertable (edge 34)');
    lib.sendPacket(s, C);
    assert.equal(k32.WaitForSingleObject(rx, 0), WAIT_OBJECT_0, 'published while Alertable: SetEvent');
    assert.equal(x.stats(s).Alerts, 1);
    ring.view[2] = 0;
    for (let i = 0; i < 3; i++) assert.equal(x.take(s, buf, buf.length, 0), 20);

    // The same handshake for real: the driver side waits Alertable in another thread.
    const waiting = takeAsync(s, buf, 30_000);
    assert.ok(await until(() => ring.view[2] === 1, 10_000), 'the waiting driver set Alertable');
    const late = packet(13, 60);
    lib.sendPacket(s, allocate(s, late));
    assert.equal(await waiting, 60, 'woken by the send, not by its timeout');
    assert.deepEqual(buf.subarray(0, 60), late);
    assert.equal(ring.view[2], 0);

    // Records that are not IP are discarded by the driver side (size 0 included), the ring goes on.
    const zero = lib.allocateSendPacket(s, 0);
    assert.equal(typeof zero, 'bigint', 'size 0 allocates 4 bytes');
    lib.sendPacket(s, zero);
    lib.sendPacket(s, allocate(s, packet(14, 10)));
    const short6 = packet(15, 30);
    short6[0] = 0x60; // IPv6 nibble, shorter than an IPv6 header
    lib.sendPacket(s, allocate(s, short6));
    const ip = packet(16, 28);
    lib.sendPacket(s, allocate(s, ip));
    assert.equal(x.take(s, buf, buf.length, 0), 28);
    assert.deepEqual(buf.subarray(0, 28), ip);
    assert.equal(x.stats(s).Discarded, 3);
  } finally {
    lib.endSession(s);
    lib.closeAdapter(a);
  }
});

test('full rings: allocations hold back 4 bytes and unsent ones count (edge 15) -> ERROR_BUFFER_OVERFLOW; the driver side drops what does not fit', { skip }, () => {
  const { a } = adapter();
  const s = lib.startSession(a, MIN);
  try {
    const buf = new Uint8Array(0x10000);
    const big = allocate(s, packet(20, 65532)); // 65536 bytes
    const rest = allocate(s, packet(21, 65528)); // 65532 bytes: exactly capacity - 4 in all
    assert.equal(typeof big, 'bigint');
    assert.equal(typeof rest, 'bigint', 'an exact fit is allowed');
    assert.equal(lib.fn.WintunAllocateSendPacket(s, 0), null);
    assert.equal(abi.getLastError(), ERROR_BUFFER_OVERFLOW, 'not even 4 more bytes');
    assert.equal(lib.allocateSendPacket(s, 1), null, 'the binding maps it to null (drop the packet)');
    assert.throws(() => lib.allocateSendPacket(s, 0x10000), { code: 'ERR_WINTUN_INVALID_ARGUMENT' }, 'over 0xFFFF is refused before the ring');
    lib.sendPacket(s, rest);
    lib.sendPacket(s, big);
    assert.equal(x.take(s, buf, 100, 0), 0);
    assert.equal(abi.getLastError(), 122, 'ERROR_INSUFFICIENT_BUFFER: not consumed');
    assert.equal(x.take(s, buf, buf.length, 0), 65532);
    assert.deepEqual(buf.subarray(0, 65532), packet(20, 65532));
    assert.equal(x.take(s, buf, buf.length, 0), 65528);
    assert.deepEqual(buf.subarray(0, 65528), packet(21, 65528));
    assert.equal(typeof allocate(s, packet(22, 65532)), 'bigint', 'space is back once the driver consumed');

    const p1 = packet(23, 65532);
    const p2 = packet(24, 65528);
    assert.equal(x.inject(s, p1, p1.length), 1);
    assert.equal(x.inject(s, p1, p1.length), 0);
    assert.equal(abi.getLastError(), ERROR_BUFFER_OVERFLOW, 'the driver drops a packet that does not fit');
    assert.equal(x.inject(s, p2, p2.length), 1, 'an exact fit');
    assert.equal(x.inject(s, p2, 0), 0, 'not even an empty record');
    assert.equal(x.stats(s).InjectDropped, 2);
    assert.equal(x.inject(s, new Uint8Array(0x10000), 0x10000), 0);
    assert.equal(abi.getLastError(), 87);
    const r1 = lib.receivePacket(s);
    const r2 = lib.receivePacket(s);
    assert.deepEqual(bytesAt(r1.packet, r1.size), p1);
    assert.deepEqual(bytesAt(r2.packet, r2.size), p2);
    assert.equal(x.inject(s, p2, p2.length), 0, 'received but unreleased packets still hold their space');
    lib.releaseReceivePacket(s, r2.packet);
    lib.releaseReceivePacket(s, r1.packet);
    assert.equal(x.inject(s, p2, p2.length), 1);
  } finally {
    lib.endSession(s);
    lib.closeAdapter(a);
  }
});

test('unregistration: ERROR_HANDLE_EOF takes priority over unread packets, the read event wakes a waiter, the adapter is free again (edges 22, 23, 26, 27)', { skip }, async () => {
  const { a, luid } = adapter();
  const s = lib.startSession(a, MIN);
  let s2 = null;
  try {
    const ev = lib.getReadWaitEvent(s);
    const send = x.stats(s).SendRing;
    for (let i = 0; i < 3; i++) assert.equal(x.inject(s, packet(i, 64), 64), 1);
    const held = lib.receivePacket(s);
    const allocated = allocate(s, packet(9, 40));
    while (k32.WaitForSingleObject(ev, 0) === WAIT_OBJECT_0);
    const woken = waitAsync(ev, 30_000);
    assert.equal(x.end(s), 1);
    assert.equal(await woken, WAIT_OBJECT_0, 'unregistration sets the read event');
    assert.equal(header(send).tail, 0xffffffff);
    assert.equal(lib.fn.WintunReceivePacket(s, [0]), null);
    assert.equal(abi.getLastError(), ERROR_HANDLE_EOF, 'two unread packets are abandoned');
    assert.throws(() => lib.receivePacket(s), { code: 'ERR_WINTUN_EOF', win32Code: ERROR_HANDLE_EOF });
    assert.throws(() => lib.allocateSendPacket(s, 20), { code: 'ERR_WINTUN_EOF' });
    lib.sendPacket(s, allocated);
    lib.releaseReceivePacket(s, held.packet);
    assert.equal(x.stats(s).Misuse, 0, 'finishing outstanding packets after the end is harmless');
    assert.equal(x.inject(s, packet(5, 64), 64), 0);
    assert.equal(abi.getLastError(), ERROR_HANDLE_EOF);
    assert.equal(x.stats(s).Flags & 3, 3, 'unregistered, receive direction ended');
    assert.equal(x.state(luid), 0, 'the registration is gone while the session handle still lives');
    s2 = lib.startSession(a, MIN);

    // Abort: only the receive direction (client -> driver) ends.
    assert.equal(x.abort(s2), 1);
    assert.throws(() => lib.allocateSendPacket(s2, 20), { code: 'ERR_WINTUN_EOF' });
    assert.equal(x.take(s2, new Uint8Array(64), 64, 0), 0);
    assert.equal(abi.getLastError(), ERROR_HANDLE_EOF);
    assert.equal(x.inject(s2, packet(6, 64), 64), 1, 'the Send ring keeps working');
    const r = lib.receivePacket(s2);
    assert.deepEqual(bytesAt(r.packet, r.size), packet(6, 64));
    lib.releaseReceivePacket(s2, r.packet);
  } finally {
    lib.endSession(s);
    if (s2 !== null) lib.endSession(s2);
    lib.closeAdapter(a);
  }

  // Removing the adapter (closing the creating handle) unregisters its session.
  const b = adapter(MODE_ECHO);
  const s3 = lib.startSession(b.a, MIN);
  lib.closeAdapter(b.a);
  assert.throws(() => lib.receivePacket(s3), { code: 'ERR_WINTUN_EOF' });
  assert.throws(() => lib.allocateSendPacket(s3, 20), { code: 'ERR_WINTUN_EOF' });
  lib.endSession(s3);
});

test('corrupt rings: a bad Send record -> ERROR_INVALID_DATA, sticky (edge 24); a bad Receive record aborts the driver side (Head = 0xFFFFFFFF)', { skip }, () => {
  const { a } = adapter();
  const s = lib.startSession(a, MIN);
  try {
    const st = x.stats(s);
    assert.equal(x.inject(s, packet(1, 64), 64), 1);
    new Uint32Array(koffi.view(st.SendRing + 12n, 4))[0] = 0x10000;
    for (let i = 0; i < 2; i++) {
      assert.equal(lib.fn.WintunReceivePacket(s, [0]), null);
      assert.equal(abi.getLastError(), ERROR_INVALID_DATA);
    }
    assert.throws(() => lib.receivePacket(s), { code: 'ERR_WINTUN_RING_CORRUPT' });
    new Uint32Array(koffi.view(st.SendRing + 12n, 4))[0] = 100; // more than the 68 bytes published
    assert.throws(() => lib.receivePacket(s), { code: 'ERR_WINTUN_RING_CORRUPT' });

    lib.sendPacket(s, allocate(s, packet(2, 20)));
    new Uint32Array(koffi.view(st.ReceiveRing + 12n, 4))[0] = 0x20000;
    const buf = new Uint8Array(64);
    assert.equal(x.take(s, buf, 64, 0), 0);
    assert.equal(abi.getLastError(), ERROR_INVALID_DATA);
    assert.equal(header(st.ReceiveRing).head, 0xffffffff);
    assert.equal(x.take(s, buf, 64, 0), 0);
    assert.equal(abi.getLastError(), ERROR_HANDLE_EOF);
    assert.throws(() => lib.allocateSendPacket(s, 20), { code: 'ERR_WINTUN_EOF' });
  } finally {
    lib.endSession(s);
    lib.closeAdapter(a);
  }
});

test('many packets byte-exact both ways across many ring laps, out-of-order release and send', { skip, timeout: 120_000 }, () => {
  const { a } = adapter();
  const s = lib.startSession(a, MIN);
  try {
    const N = 6000;
    const sizeOf = (i) => (i % 97 === 0 ? 9000 + (i % 7) * 8000 : 20 + ((i * 131) % 1480));
    const buf = new Uint8Array(0x10000);
    // Stack -> client: inject a window, receive it, release it in a shuffled order.
    let next = 0;
    let received = 0;
    let bytes = 0;
    while (received < N) {
      let window = 0;
      while (next < N && window < 16 && x.inject(s, packet(next, sizeOf(next)), sizeOf(next)) === 1) {
        next++;
        window++;
      }
      assert.ok(window > 0, 'a drained ring takes the next packet');
      const got = [];
      for (let r; (r = lib.receivePacket(s)) !== null; ) got.push(r);
      assert.equal(got.length, window);
      for (const g of got) {
        assert.deepEqual(bytesAt(g.packet, g.size), packet(received, sizeOf(received)), `packet ${received}`);
        received++;
        bytes += g.size;
      }
      const order = got.map((_, i) => i).sort((p, q) => ((p * 7 + received) % 5) - ((q * 7 + received) % 5) || q - p);
      for (const i of order) lib.releaseReceivePacket(s, got[i].packet);
    }
    let st = x.stats(s);
    assert.equal(st.Injected, N);
    assert.equal(st.ReceiveOutstanding, 0);
    assert.ok(bytes > 20 * MIN, `wrapped ${Math.floor(bytes / MIN)} times`);

    // Client -> stack: allocate a window, send it in reverse order, the driver side takes it in
    // allocation order.
    let sent = 0;
    let taken = 0;
    while (taken < N) {
      const window = [];
      while (sent < N && window.length < 16) {
        const p = allocate(s, packet(sent, sizeOf(sent)));
        if (p === null) break;
        window.push(p);
        sent++;
      }
      assert.ok(window.length > 0);
      for (const p of window.reverse()) lib.sendPacket(s, p);
      for (let size; (size = x.take(s, buf, buf.length, 0)) !== 0; ) {
        assert.equal(size, sizeOf(taken));
        assert.deepEqual(buf.subarray(0, size), packet(taken, sizeOf(taken)), `packet ${taken}`);
        taken++;
      }
      assert.equal(abi.getLastError(), ERROR_NO_MORE_ITEMS);
    }
    st = x.stats(s);
    assert.equal(st.Taken, N);
    assert.equal(st.Misuse, 0);
    assert.equal(st.SendOutstanding, 0);
  } finally {
    lib.endSession(s);
    lib.closeAdapter(a);
  }
});

test('echo mode: the driver thread answers every IP packet with its addresses swapped, waking the reader through the read event', { skip, timeout: 120_000 }, async () => {
  const { a } = adapter(MODE_ECHO);
  const s = lib.startSession(a, MIN);
  try {
    const ev = lib.getReadWaitEvent(s);
    const N = 3000;
    const sizeOf = (i) => 40 + ((i * 37) % 1400);
    const versionOf = (i) => (i % 3 === 0 ? 6 : 4);
    const expected = (i) => {
      const p = packet(i, sizeOf(i), versionOf(i));
      const [at, n] = versionOf(i) === 4 ? [12, 4] : [8, 16];
      const src = p.slice(at, at + n);
      p.copyWithin(at, at + n, at + 2 * n);
      p.set(src, at + n);
      return p;
    };
    let sent = 0;
    let got = 0;
    while (got < N) {
      while (sent < N && sent - got < 32) {
        const p = allocate(s, packet(sent, sizeOf(sent), versionOf(sent)));
        assert.notEqual(p, null);
        lib.sendPacket(s, p);
        sent++;
      }
      let r = lib.receivePacket(s);
      if (r === null) {
        assert.equal(k32.WaitForSingleObject(ev, 10_000), WAIT_OBJECT_0, `no echo of packet ${got}`);
        continue;
      }
      assert.deepEqual(bytesAt(r.packet, r.size), expected(got), `echo ${got}`);
      lib.releaseReceivePacket(s, r.packet);
      got++;
    }
    lib.sendPacket(s, allocate(s, packet(0, 12))); // not IP: discarded, no answer
    assert.ok(await until(() => x.stats(s).Discarded === 1, 10_000), 'the non-IP record was discarded');
    const st = x.stats(s);
    assert.equal(st.Mode, MODE_ECHO);
    assert.equal(st.Echoed, N);
    assert.equal(st.InjectDropped, 0);
    assert.equal(x.take(s, new Uint8Array(64), 64, 0), 0);
    assert.equal(abi.getLastError(), 50, 'ERROR_NOT_SUPPORTED: the echo thread owns the Receive ring');

    // A corrupt record (size over 0xFFFF) makes the echo thread abort the receive direction; the
    // session still ends cleanly afterwards (the thread is gone, EndSession joins nothing).
    const bad = lib.allocateSendPacket(s, 20);
    new Uint32Array(koffi.view(bad - 4n, 4))[0] = 0x80020000;
    lib.sendPacket(s, bad);
    assert.ok(await until(() => header(st.ReceiveRing).head === 0xffffffff, 10_000), 'Receive Head = 0xFFFFFFFF');
    assert.throws(() => lib.allocateSendPacket(s, 20), { code: 'ERR_WINTUN_EOF' });
    assert.equal(x.inject(s, packet(1, 64), 64), 1, 'the Send ring still works');
  } finally {
    lib.endSession(s);
    lib.closeAdapter(a);
  }
});

test('EndSession with packets outstanding and a driver call waiting frees the rings and both events; the adapter starts again', { skip }, async () => {
  const { a, luid } = adapter();
  const s = lib.startSession(a, MIN);
  const st = x.stats(s);
  const ev = lib.getReadWaitEvent(s);
  for (let i = 0; i < 4; i++) assert.equal(x.inject(s, packet(i, 100), 100), 1);
  const held = [lib.receivePacket(s), lib.receivePacket(s)];
  assert.equal(held.length, 2);
  assert.notEqual(allocate(s, packet(7, 50)), null);
  const waiting = takeAsync(s, new Uint8Array(64), 60_000);
  await new Promise((r) => setTimeout(r, 50));
  lib.endSession(s);
  assert.equal(await waiting, 0, 'the waiting driver call was woken and ended before the memory went');
  assert.equal(k32.WaitForSingleObject(ev, 0), WAIT_FAILED, 'the read event is closed');
  assert.equal(abi.getLastError(), ERROR_INVALID_HANDLE);
  assert.equal(k32.WaitForSingleObject(st.ReceiveTailMoved, 0), WAIT_FAILED, 'the Receive event is closed');
  const mbi = {};
  assert.notEqual(k32.VirtualQuery(st.SendRing, mbi, k32.mbiSize), 0);
  assert.equal(mbi.State, 0x10000, 'MEM_FREE: the ring region is released');
  assert.equal(x.statsRaw(s, {}), 0);
  assert.equal(abi.getLastError(), ERROR_INVALID_HANDLE, 'test exports refuse an ended session');
  assert.equal(x.state(luid), 0);
  const again = lib.startSession(a, MIN);
  assert.equal(x.inject(again, packet(1, 64), 64), 1);
  lib.endSession(again);
  lib.closeAdapter(a);
});

/** Starts a worker of fixtures/standin-session-worker.mjs; resolves with its one message. */
function worker(data) {
  const w = new Worker(fixtureUrl('standin-session-worker.mjs'), { workerData: { dll, ...data } });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => w.terminate().then(() => resolve(m)));
    w.once('error', reject);
  });
}

test('two threads receive and release concurrently: every packet once, each thread in ring order (edge 36)', { skip, timeout: 120_000 }, async () => {
  const { a } = adapter();
  const s = lib.startSession(a, MIN);
  const stop = new SharedArrayBuffer(4);
  const readers = [0, 1].map(() => worker({ role: 'receive', session: String(s), stop }));
  try {
    const N = 20_000;
    for (let i = 0; i < N; ) {
      const p = packet(i, 64 + (i % 200));
      new DataView(p.buffer).setUint32(20, i, true);
      if (x.inject(s, p, p.length) === 1) i++;
      else {
        assert.equal(abi.getLastError(), ERROR_BUFFER_OVERFLOW);
        await sleep(1);
      }
    }
    const send = header(x.stats(s).SendRing);
    assert.ok(await until(() => send.view[0] === send.view[1], 60_000), 'the readers drained and released everything');
    Atomics.store(new Int32Array(stop), 0, 1);
    const results = await Promise.all(readers);
    for (const r of results) assert.equal(r.error, null);
    const all = results.flatMap((r) => r.seqs).sort((p, q) => p - q);
    assert.equal(all.length, N);
    assert.ok(all.every((v, i) => v === i), 'every packet exactly once');
    for (const r of results) assert.ok(r.seqs.every((v, i) => i === 0 || v > r.seqs[i - 1]), 'each thread sees ring order');
    const st = x.stats(s);
    assert.equal(st.Misuse, 0);
    assert.equal(st.ReceiveOutstanding, 0);
  } finally {
    // The workers stop using the session before it ends (edge 30), also when an assertion failed.
    Atomics.store(new Int32Array(stop), 0, 1);
    await Promise.allSettled(readers);
    lib.endSession(s);
    lib.closeAdapter(a);
  }
});

test('two threads allocate and send concurrently: every packet once, each thread in its own order', { skip, timeout: 120_000 }, async () => {
  const { a } = adapter();
  const s = lib.startSession(a, MIN);
  const stop = new SharedArrayBuffer(4);
  const N = 10_000;
  const senders = [0, 1].map((k) => worker({ role: 'send', session: String(s), stop, base: k * N, count: N, size: 60 + k * 700 }));
  try {
    const buf = new Uint8Array(0x10000);
    const seen = [[], []];
    let done = false;
    const finished = Promise.all(senders).then((r) => {
      done = true;
      return r;
    });
    while (seen[0].length + seen[1].length < 2 * N) {
      const size = await takeAsync(s, buf, 1000);
      if (size === 0) {
        if (done) {
          const left = x.take(s, buf, buf.length, 0);
          assert.notEqual(left, 0, `senders finished with ${2 * N - seen[0].length - seen[1].length} packets missing`);
          const seq = new DataView(buf.buffer).getUint32(20, true);
          seen[seq >= N ? 1 : 0].push(seq);
        }
        continue;
      }
      const seq = new DataView(buf.buffer).getUint32(20, true);
      seen[seq >= N ? 1 : 0].push(seq);
    }
    const results = await finished;
    for (const r of results) assert.equal(r.error, null);
    for (const k of [0, 1]) {
      assert.equal(seen[k].length, N);
      assert.ok(
        seen[k].every((v, i) => v === k * N + i),
        `sender ${k}: allocation order is wire order`,
      );
    }
    const st = x.stats(s);
    assert.equal(st.Misuse, 0);
    assert.equal(st.SendOutstanding, 0);
    assert.equal(st.Taken, 2 * N);
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
    await Promise.allSettled(senders);
    lib.endSession(s);
    lib.closeAdapter(a);
  }
});

test('a process that leaves a session open (its echo thread waiting in the DLL) still exits by itself', { skip, timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wtts-g-'));
  try {
    const out = join(dir, 'result.json');
    const res = spawnSync(process.execPath, [fileURLToPath(fixtureUrl('standin-session-child.mjs')), out], { stdio: 'ignore', env: process.env, timeout: 60_000 });
    assert.equal(res.error, undefined, String(res.error));
    assert.equal(res.status, 0);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { echoed: 10 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('EndSession right after the echo thread aborted, with a JS logger installed, does not deadlock', { skip, timeout: 60_000 }, () => {
  const lines = [];
  lib.setLogger((level, timestamp, message) => lines.push(message));
  const { a } = adapter(MODE_ECHO);
  const s = lib.startSession(a, MIN);
  try {
    const receive = header(x.stats(s).ReceiveRing);
    const bad = lib.allocateSendPacket(s, 20);
    new Uint32Array(koffi.view(bad - 4n, 4))[0] = 0x80020000;
    lib.sendPacket(s, bad);
    // Spin without yielding to the event loop: a logger call from the echo thread could not run
    // now, so the thread must not make one before EndSession joins it.
    const end = Date.now() + 10_000;
    while (receive.view[0] !== 0xffffffff && Date.now() < end);
    assert.equal(receive.view[0], 0xffffffff);
  } finally {
    lib.endSession(s);
    lib.closeAdapter(a);
    lib.setLogger(null);
  }
});
