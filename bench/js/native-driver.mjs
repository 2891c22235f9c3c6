// Row 7: wintun-ts as the client of a native driver (bench/native/lib_driver.c, a pthread loaded
// with koffi) over the same native ring memory: what a Windows user's process pays, where the
// driver is kernel code rather than a JavaScript worker.
//   node bench/js/native-driver.mjs <lib.so> throughput <send|recv> <size> <batch> <seconds> [deferred 0|1]
//   node bench/js/native-driver.mjs <lib.so> throughput-session <send|recv> <size> <batch> <seconds> [deferred 0|1]
//   node bench/js/native-driver.mjs <lib.so> wakeup <send|recv> <iterations>
//   node bench/js/native-driver.mjs <lib.so> wakeup-session <send|recv> <iterations>
// send = driver -> client (Send ring), recv = client -> driver (Receive ring). The client runs on
// the main thread: the ring classes of @wintun-ts/ring, or a Session built over the rings with the
// native events. Output: one JSON line, as bench/js/ring-bench.mjs.
//
// The events are the driver library's futex auto-reset events, seen from JavaScript through
// NativeEvent below: `set` is one FFI call. The main thread's wait on the read event never blocks a
// thread: it arms the event (nd_js_arm) and watches the library's eventfd with koffi.node.poll; the
// driver writes the eventfd after a set only while the event is armed. Before issue 12 the wait
// ran in bounded slices on libuv's pool (koffi .async, the shape of a WaitForSingleObject.async):
// bench/js/wake-probe.mjs measured that path at 44-55 us p50 against 15-23 us for the eventfd, on
// the same machine, with the same native waker. The write event's waits (workers) stay synchronous.
import { CAPACITY, MeasureWindow, allocatePair, firstLine, gapMaker, loadRing, makeSource, nowNs, percentile, round, sleepSync } from './common.mjs';

const [libPath, mode, a1, a2, a3, a4, a5] = process.argv.slice(2);
function out(o) {
  console.log(JSON.stringify({ impl: 'wintun-ts', driver: 'native', ...o }));
}

const { ring, reason } = await loadRing();
if (!ring) {
  out({ skipped: reason });
  process.exit(0);
}
let koffi;
try {
  koffi = (await import('koffi')).default;
} catch (e) {
  out({ skipped: `koffi does not load (${firstLine(e)})` });
  process.exit(0);
}
const lib = koffi.load(libPath);
const nd = {
  start: lib.func('void *nd_start(void *send, uint32_t sendCap, void *recv, uint32_t recvCap, int mode, uint32_t size, uint32_t batch, uint32_t iters)'),
  count: lib.func('double nd_count(void *h)'),
  error: lib.func('int nd_error(void *h)'),
  readEvent: lib.func('void *nd_read_event(void *h)'),
  writeEvent: lib.func('void *nd_write_event(void *h)'),
  stop: lib.func('void nd_stop(void *h)'),
  latencies: lib.func('int nd_latencies(void *h, _Out_ double *out, int max)'),
  free: lib.func('void nd_free(void *h)'),
  eventSet: lib.func('void nd_event_set(void *e)'),
  eventTry: lib.func('int nd_event_try(void *e)'),
  eventWait: lib.func('int nd_event_wait(void *e, uint32_t ms)'),
  readEfd: lib.func('int nd_read_efd(void *h)'),
  jsArm: lib.func('int nd_js_arm(void *h)'),
  jsArmed: lib.func('void *nd_js_armed(void *h)'),
  jsDisarm: lib.func('void nd_js_disarm(void *h)'),
  jsReset: lib.func('void nd_js_reset(void *h)'),
};
const MODES = { 'tp-send': 0, 'tp-recv': 1, 'wk-send': 2, 'wk-recv': 3 };
/** Longest wait slice on libuv's pool, as the session's Win32 event (WIN32_EVENT_ASYNC_SLICE_MS). */
const SLICE_MS = 100;
const { RING_EMPTY, RING_FULL } = ring;
let sink = 0;

/**
 * The main thread's wait on the driver's read event: arm, then the eventfd's poll callback (or the
 * timeout) ends the wait. One poll handle per driver, unref'd, and one timer, refreshed per wait
 * and ref'd while a ref'd wait is pending. The wake-up path makes no FFI call: the event's state and
 * the armed flag are read and written with atomics on koffi views of the library's memory, and the
 * eventfd is emptied (a read(2), a few microseconds right after a wake-up) off that path: by the
 * next wait before it arms (a write after that read makes the fd readable again, so nothing is
 * lost), or by the next poll callback when no wait came meanwhile.
 */
class LoopWaiter {
  constructor(h, ptr) {
    this.h = h;
    this.state = new Int32Array(koffi.view(ptr, 8)); // event_t: state, waiters
    this.armed = new Int32Array(koffi.view(nd.jsArmed(h), 4));
    this.pending = [];
    this.timer = null;
    this.timerMs = -1;
    this.timerAt = Infinity;
    this.refs = 0;
    this.dirty = false; // the eventfd may hold a count: empty it before the next arming
    // koffi 3.3.4 calls back with (status, events).
    this.handle = koffi.node.poll(nd.readEfd(h), { readable: true }, () => this.onPoll());
    this.handle.unref();
  }
  tryConsume() {
    return Atomics.compareExchange(this.state, 0, 1, 0) === 1;
  }
  /** Arms; true when it consumed a signal instead (then nothing stays armed). */
  arm() {
    Atomics.store(this.armed, 0, 1);
    if (!this.tryConsume()) return false;
    Atomics.store(this.armed, 0, 0);
    return true;
  }
  wait(timeoutMs, ref) {
    return new Promise((resolve) => {
      if (this.dirty) {
        this.dirty = false;
        nd.jsReset(this.h);
      }
      if (this.arm()) return resolve(true);
      const now = performance.now();
      const p = { resolve, deadline: now + timeoutMs, ref };
      this.pending.push(p);
      if (ref && this.refs++ === 0) this.timer?.ref();
      if (p.deadline < this.timerAt - 0.5 || this.pending.length === 1) this.schedule(p.deadline, now);
    });
  }
  schedule(deadline, now) {
    const ms = Math.max(1, Math.ceil(deadline - now));
    if (this.timer !== null && ms === this.timerMs) {
      this.timer.refresh();
    } else {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.onTimer(), ms);
      this.timerMs = ms;
      if (this.refs === 0) this.timer.unref();
    }
    this.timerAt = now + ms;
  }
  settle() {
    let j = 0;
    for (const p of this.pending) {
      if (this.tryConsume() || this.arm()) this.end(p, true);
      else this.pending[j++] = p;
    }
    this.pending.length = j;
  }
  onPoll() {
    if (this.pending.length === 0) {
      // Readable with nobody waiting (a wait was woken and no new one came yet): empty it now, or
      // the loop would keep polling a readable fd.
      this.dirty = false;
      nd.jsReset(this.h);
      return;
    }
    this.settle();
    if (this.pending.length > 0) {
      // Some waits are still pending (spurious, or another waiter took the signal): empty the fd,
      // then look again (a write after this read keeps the fd readable), or the loop would spin.
      nd.jsReset(this.h);
      this.settle();
      this.dirty = false;
    } else {
      // Leave the reset to the next wait: the woken callers run first.
      this.dirty = true;
    }
  }
  onTimer() {
    this.timerAt = Infinity;
    const now = performance.now();
    const expired = this.pending.filter((p) => p.deadline <= now + 0.5);
    this.pending = this.pending.filter((p) => p.deadline > now + 0.5);
    if (this.pending.length === 0) Atomics.store(this.armed, 0, 0);
    for (const p of expired) this.end(p, this.tryConsume());
    if (this.pending.length > 0) this.schedule(Math.min(...this.pending.map((p) => p.deadline)), now);
  }
  end(p, value) {
    if (p.ref && --this.refs === 0) this.timer?.unref();
    p.resolve(value);
  }
  close() {
    const all = this.pending.splice(0);
    Atomics.store(this.armed, 0, 0);
    for (const p of all) this.end(p, this.tryConsume());
    if (this.timer !== null) clearTimeout(this.timer);
    this.handle.close();
  }
}

/**
 * An AutoResetEvent (the session's event interface) over one of the driver library's futex
 * events. Owned by the driver handle: `close()` only stops further waits.
 */
class NativeEvent {
  constructor(ptr, loopWaiter = null) {
    this.kind = 'native';
    this.ptr = ptr;
    this.closed = false;
    this.loop = loopWaiter;
  }
  set() {
    if (!this.closed) nd.eventSet(this.ptr);
  }
  waitSync(timeoutMs) {
    if (nd.eventTry(this.ptr)) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = Math.ceil(deadline - performance.now());
      if (left <= 0 || this.closed) return nd.eventTry(this.ptr) === 1;
      if (nd.eventWait(this.ptr, Math.min(left, 1000))) return true;
    }
  }
  async wait(timeoutMs, unref = false) {
    if (nd.eventTry(this.ptr)) return true;
    if (timeoutMs === 0) return false;
    if (this.loop !== null) return this.closed ? false : this.loop.wait(timeoutMs, !unref);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.closed) return false;
      const left = Math.ceil(deadline - performance.now());
      if (left <= 0) return nd.eventTry(this.ptr) === 1;
      const r = await new Promise((resolve, reject) => {
        nd.eventWait.async(this.ptr, Math.min(left, SLICE_MS), (err, v) => (err ? reject(err) : resolve(v)));
      });
      if (r) return true;
    }
  }
  describe() {
    return { kind: 'native', address: koffi.address(this.ptr) };
  }
  close() {
    this.closed = true;
  }
}

/** Ring memory for both rings and a driver thread over it; `stop()` joins it, `free()` releases all. */
function startDriver(driverMode, size = 64, batch = 1, iters = 0) {
  const { memory, pair } = allocatePair(ring);
  if (memory.kind !== 'native' || memory.address === null) throw new Error('the native driver needs native ring memory');
  const sendAddr = memory.address + BigInt(pair.send.byteOffset);
  const recvAddr = memory.address + BigInt(pair.receive.byteOffset);
  const h = nd.start(sendAddr, CAPACITY, recvAddr, CAPACITY, MODES[driverMode], size, batch, iters);
  if (!h) throw new Error('nd_start refused its arguments');
  let stopped = false;
  const readPtr = nd.readEvent(h);
  const loop = new LoopWaiter(h, readPtr);
  return {
    memory,
    pair,
    readEvent: new NativeEvent(readPtr, loop),
    writeEvent: new NativeEvent(nd.writeEvent(h)),
    count: () => nd.count(h),
    check() {
      const e = nd.error(h);
      if (e !== 0) throw new Error(`native driver stopped on ring error ${e}`);
    },
    stop() {
      if (!stopped) nd.stop(h);
      stopped = true;
    },
    latencies(n) {
      const buf = new Float64Array(Math.max(1, n));
      const k = nd.latencies(h, buf, n);
      return Array.from(buf.subarray(0, k));
    },
    free() {
      this.stop();
      loop.close();
      nd.free(h);
      if (!memory.freed) memory.free();
    },
  };
}

async function loadSession() {
  try {
    const m = await import('@wintun-ts/session');
    return typeof m.Session === 'function' ? m.Session : null;
  } catch {
    return null;
  }
}
/** A Session over the driver's rings and events; closing it stops the driver, then frees the memory. */
function sessionOver(Session, d) {
  return new Session({
    rings: d.pair,
    readEvent: d.readEvent,
    writeEvent: d.writeEvent,
    link: { close: async () => d.stop() },
    memory: d.memory,
    ownsEvents: true,
  });
}

function stats(lat) {
  lat.sort((x, y) => x - y);
  return {
    samples: lat.length,
    p50Ns: Math.round(percentile(lat, 0.5)), p90Ns: Math.round(percentile(lat, 0.9)),
    p99Ns: Math.round(percentile(lat, 0.99)), maxNs: Math.round(lat[lat.length - 1] ?? 0),
  };
}

// ------------------------------------------------------------------------------ throughput ----
async function throughput(layer, dir, size, batch, seconds, deferred) {
  const Session = layer === 'session' ? await loadSession() : null;
  if (layer === 'session' && !Session) return out({ skipped: '@wintun-ts/session is not built' });
  const d = startDriver(dir === 'send' ? 'tp-send' : 'tp-recv', size, batch);
  const session = Session ? sessionOver(Session, d) : null;
  const win = new MeasureWindow(100, seconds * 1000);
  try {
    if (dir === 'send') {
      let n = 0;
      if (session) {
        const touch = (bytes, offset) => {
          sink += bytes[offset];
        };
        for (;;) {
          let k = session.drain(touch, batch);
          if (k === 0) k = await session.receiveInto(touch, { max: batch, timeout: 3000 });
          n += k;
          if (win.sample(n)) break;
        }
      } else {
        const reader = new ring.SendRingReader(d.pair.send);
        const bytes = d.pair.send.bytes;
        const held = new Int32Array(4096);
        for (;;) {
          let k = 0;
          while (k < batch) {
            let off = reader.receive();
            if (off === RING_EMPTY) {
              if (k > 0) break;
              let spins = 0;
              while ((off = reader.receive()) === RING_EMPTY && ++spins < 64);
              if (off === RING_EMPTY) {
                await d.readEvent.wait(5);
                d.check();
                continue;
              }
            }
            if (off < 0) throw new Error(`send ring reader: ${off}`);
            sink += bytes[off];
            held[k++] = off;
          }
          if (deferred) {
            for (let i = 0; i < k; i++) reader.releaseDeferred(held[i]);
            reader.publishHead();
          } else {
            for (let i = 0; i < k; i++) reader.release(held[i]);
          }
          n += k;
          if (win.sample(n)) break;
        }
      }
    } else {
      const view = makeSource().subarray(0, size);
      let iter = 0;
      if (session) {
        const fill = (bytes, offset) => bytes.set(view, offset);
        for (;;) {
          for (let i = 0; i < batch; i++) {
            while (!session.sendWith(size, fill, deferred)) {
              if (deferred) session.flushSends();
              d.check();
            }
          }
          if (deferred) session.flushSends();
          iter += batch;
          if (iter >= 256) {
            iter = 0;
            if (win.sample(d.count())) break;
          }
        }
      } else {
        const writer = new ring.ReceiveRingWriter(d.pair.receive);
        const bytes = d.pair.receive.bytes;
        const held = new Int32Array(4096);
        for (;;) {
          for (let i = 0; i < batch; i++) {
            let off;
            while ((off = writer.allocate(size)) === RING_FULL) d.check();
            if (off < 0) throw new Error(`receive ring writer: ${off}`);
            bytes.set(view, off);
            held[i] = off;
          }
          if (deferred) {
            for (let i = 0; i < batch; i++) writer.commitDeferred(held[i]);
            if (writer.publish()) d.writeEvent.set();
          } else {
            for (let i = 0; i < batch; i++) if (writer.commit(held[i])) d.writeEvent.set();
          }
          iter += batch;
          if (iter >= 256) {
            iter = 0;
            if (win.sample(d.count())) break;
          }
        }
      }
    }
  } finally {
    if (session) await session.close();
    d.free();
  }
  out({ row: 'native-driver', kind: 'throughput', layer, dir, size, batch, deferred, capacity: CAPACITY, ...win.result(size) });
}

// ------------------------------------------------------------------------------ wake-up -------
async function wakeup(layer, dir, iterations) {
  const Session = layer === 'session' ? await loadSession() : null;
  if (layer === 'session' && !Session) return out({ skipped: '@wintun-ts/session is not built' });
  const d = startDriver(dir === 'send' ? 'wk-send' : 'wk-recv', 64, 1, iterations);
  const session = Session ? sessionOver(Session, d) : null;
  let lat = [];
  let extra = {};
  try {
    if (dir === 'send') {
      const bytes = d.pair.send.bytes;
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const deadline = performance.now() + iterations * 5 + 2000;
      if (session) {
        let t = 0;
        const take = (b, offset) => {
          t = nowNs() - dv.getFloat64(offset, true);
        };
        while (lat.length < iterations && performance.now() < deadline) {
          try {
            await session.receiveInto(take, { max: 1, timeout: 200 });
          } catch (e) {
            if (e?.code === 'ERR_WINTUN_TIMEOUT') continue;
            throw e;
          }
          lat.push(t);
        }
        const st = session.stats;
        extra = { sessionStats: { wakeups: st.wakeups, waitTimeouts: st.waitTimeouts, spins: st.spins } };
      } else {
        const reader = new ring.SendRingReader(d.pair.send);
        while (lat.length < iterations && performance.now() < deadline) {
          const off = reader.receive();
          if (off === RING_EMPTY) {
            await d.readEvent.wait(100);
            d.check();
            continue;
          }
          lat.push(nowNs() - dv.getFloat64(off, true));
          reader.release(off);
        }
      }
    } else {
      const bytes = d.pair.receive.bytes;
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const view = makeSource().subarray(0, 64);
      const gap = gapMaker();
      const writer = session ? null : new ring.ReceiveRingWriter(d.pair.receive);
      const fill = (b, offset) => {
        b.set(view, offset);
        dv.setFloat64(offset + 8, nowNs(), true);
      };
      for (let i = 0; i < iterations; i++) {
        sleepSync(gap());
        if (session) {
          if (!session.sendWith(64, fill)) throw new Error('Receive ring full in the wake-up row');
        } else {
          const off = writer.allocate(64);
          if (off < 0) throw new Error(`receive ring writer: ${off}`);
          fill(bytes, off);
          if (writer.commit(off)) d.writeEvent.set();
        }
      }
      const deadline = performance.now() + 2000;
      while (d.count() < iterations && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      d.check();
      lat = d.latencies(iterations);
    }
  } finally {
    if (session) await session.close();
    d.free();
  }
  out({ row: 'native-driver', kind: 'wakeup', layer, dir, ...stats(lat), ...extra });
}

if (mode === 'throughput' || mode === 'throughput-session') {
  await throughput(mode === 'throughput' ? 'ring' : 'session', a1, Number(a2), Number(a3), Number(a4), a5 === '1');
} else if (mode === 'wakeup' || mode === 'wakeup-session') {
  await wakeup(mode === 'wakeup' ? 'ring' : 'session', a1, Number(a2));
} else {
  console.error('usage: native-driver.mjs <lib.so> throughput|throughput-session|wakeup|wakeup-session ...');
  process.exit(1);
}
if (sink === 0.5) console.log(sink); // keep the reads observable
void round;
