// wintun-ts side of the ring benchmarks; same modes and JSON lines as bench/native/ring_bench.c.
//   node bench/js/ring-bench.mjs throughput <send|recv> <size> <batch> <seconds> [deferred 0|1]
//   node bench/js/ring-bench.mjs usercost <rx|rxcopy|tx|rxb|txb> <size> <seconds>
//   node bench/js/ring-bench.mjs wakeup <send|recv> <iterations>
//   node bench/js/ring-bench.mjs throughput-session|usercost-session ...   (same, through Session;
//                                 usercost-session also takes op 'lease': tryReceive + release)
// deferred / rxb / txb: the batch forms, one publication per batch (ring: releaseDeferred +
// publishHead, commitDeferred + publish; session: drain, sendWith(..., true) + flushSends).
// The user role runs on the main thread; the driver role runs in bench/js/workers/driver.mjs.
import { Worker } from 'node:worker_threads';
import { CAPACITY, MeasureWindow, allocatePair, loadEvents, loadRing, makeSource, nowNs, percentile, round, sleepSync, gapMaker, resetEvent } from './common.mjs';

const STOP = 0, READY = 1, COUNT = 2, DONE = 3;
const WORKER = new URL('./workers/driver.mjs', import.meta.url);

const [mode, a1, a2, a3, a4, a5] = process.argv.slice(2);
const { ring, reason } = await loadRing();
if (!ring) {
  console.log(JSON.stringify({ impl: 'wintun-ts', skipped: reason }));
  process.exit(0);
}
const { RING_EMPTY, RING_FULL } = ring;
const events = await loadEvents();
// Every read byte goes into `sink`, kept below 2^30 (a small integer, like C's wrapping uint32):
// a plain sum passes V8's small-integer range after about 15 M packets and then allocates a heap
// number per packet, which the C side never pays.
let sink = 0;

/** The Session class when `@wintun-ts/session` is built, else null (the session rows are skipped). */
async function loadSession() {
  try {
    const m = await import('@wintun-ts/session');
    return typeof m.Session === 'function' ? m.Session : null;
  } catch {
    return null;
  }
}
function sessionOver(Session, memory, pair, readEvent, writeEvent, link) {
  return new Session({ rings: pair, readEvent, writeEvent, link, memory, ownsEvents: true });
}


function startDriver(workerMode, share, event, extra = {}) {
  const ctlBuffer = new SharedArrayBuffer(16);
  const ctl = new Int32Array(ctlBuffer);
  const worker = new Worker(WORKER, {
    workerData: { mode: workerMode, share, events: event.describe(), ctlBuffer, ...extra },
  });
  let failure = null;
  worker.on('error', (e) => {
    failure = e;
    Atomics.store(ctl, DONE, 1);
  });
  const exited = new Promise((resolve) => worker.on('exit', resolve));
  return {
    ctl,
    worker,
    get failure() {
      return failure;
    },
    async ready() {
      const deadline = performance.now() + 10000;
      while (Atomics.load(ctl, READY) === 0 && failure === null && performance.now() < deadline) {
        const r = Atomics.waitAsync(ctl, READY, 0, 50);
        if (r.async) await r.value;
      }
      if (failure) throw failure;
      if (Atomics.load(ctl, READY) === 0) throw new Error('driver worker did not start');
    },
    async stop() {
      Atomics.store(ctl, STOP, 1);
      event.set();
      const t = setTimeout(() => void worker.terminate(), 3000);
      await exited;
      clearTimeout(t);
      if (failure) throw failure;
    },
  };
}

async function throughput(dir, size, batch, seconds, deferred) {
  const { memory, pair, share } = allocatePair(ring);
  const [event] = events.createEvents(1);
  const src = makeSource();
  const driver = startDriver(dir === 'send' ? 'tp-send' : 'tp-recv', share, event, { size, batch });
  await driver.ready();
  const win = new MeasureWindow(100, seconds * 1000);
  if (dir === 'send') {
    const reader = new ring.SendRingReader(pair.send);
    const bytes = pair.send.bytes;
    const held = new Int32Array(256);
    let n = 0;
    for (;;) {
      let k = 0;
      while (k < batch) {
        let off = reader.receive();
        if (off === RING_EMPTY) {
          if (k > 0) break;
          let spins = 0;
          while ((off = reader.receive()) === RING_EMPTY && ++spins < 64);
          if (off === RING_EMPTY) {
            await event.wait(5);
            if (driver.failure) throw driver.failure;
            continue;
          }
        }
        if (off < 0) throw new Error(`send ring reader: ${off}`);
        sink = (sink + bytes[off]) & 0x3fffffff;
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
  } else {
    const writer = new ring.ReceiveRingWriter(pair.receive);
    const bytes = pair.receive.bytes;
    const view = src.subarray(0, size);
    const held = new Int32Array(256);
    let iter = 0;
    for (;;) {
      for (let i = 0; i < batch; i++) {
        let off;
        while ((off = writer.allocate(size)) === RING_FULL) {
          if (driver.failure) throw driver.failure;
        }
        if (off < 0) throw new Error(`receive ring writer: ${off}`);
        bytes.set(view, off);
        held[i] = off;
      }
      if (deferred) {
        for (let i = 0; i < batch; i++) writer.commitDeferred(held[i]);
        if (writer.publish()) event.set();
      } else {
        for (let i = 0; i < batch; i++) if (writer.commit(held[i])) event.set();
      }
      iter += batch;
      if (iter >= 256) {
        iter = 0;
        if (win.sample(Atomics.load(driver.ctl, COUNT))) break;
      }
    }
  }
  await driver.stop();
  memory.free();
  out({ row: 'throughput', layer: 'ring', dir, size, batch, deferred, capacity: CAPACITY, memory: memory.kind, events: events.source, ...win.result(size) });
}

function usercost(op, size, seconds) {
  const B = 32, ROUNDS = 5;
  const layout = { sendCapacity: CAPACITY, receiveCapacity: CAPACITY };
  const memory = ring.allocateRingMemory(ring.ringPairSize(layout));
  const pair = ring.createRingPair(memory, layout);
  const [event] = events.createEvents(1);
  const src = makeSource();
  const view = src.subarray(0, size);
  const outBuf = new Uint8Array(65536);
  const producer = new ring.SendRingProducer(pair.send);
  const reader = new ring.SendRingReader(pair.send);
  const writer = new ring.ReceiveRingWriter(pair.receive);
  const consumer = new ring.ReceiveRingConsumer(pair.receive);
  const sb = pair.send.bytes, rb = pair.receive.bytes;
  const tx = op === 'tx' || op === 'txb', copy = op === 'rxcopy', batched = op === 'rxb' || op === 'txb';
  let best = Infinity, total = 0;
  const roundMs = (seconds * 1000) / ROUNDS;
  for (let round = -1; round < ROUNDS; round++) {
    let timed = 0, packets = 0;
    const wall0 = performance.now();
    while (performance.now() - wall0 < (round < 0 ? 150 : roundMs)) {
      for (let rep = 0; rep < 16; rep++) {
        if (!tx) {
          for (let i = 0; i < B; i++) {
            const off = producer.reserve(size);
            sb.set(view, off);
            producer.commitRecord(off, size);
          }
          if (producer.publish()) event.set();
          resetEvent(event);
          const t0 = performance.now();
          for (let i = 0; i < B; i++) {
            const off = reader.receive();
            if (copy) outBuf.set(sb.subarray(off, off + reader.lastSize));
            else sink = (sink + sb[off]) & 0x3fffffff;
            if (batched) reader.releaseDeferred(off);
            else reader.release(off);
          }
          if (batched) reader.publishHead();
          timed += performance.now() - t0;
        } else {
          const t0 = performance.now();
          for (let i = 0; i < B; i++) {
            const off = writer.allocate(size);
            rb.set(view, off);
            if (batched) writer.commitDeferred(off);
            else if (writer.commit(off)) event.set();
          }
          if (batched && writer.publish()) event.set();
          timed += performance.now() - t0;
          for (let i = 0; i < B; i++) {
            const off = consumer.next();
            sink = (sink + rb[off]) & 0x3fffffff;
            consumer.release();
          }
        }
        packets += B;
      }
    }
    if (round >= 0) {
      best = Math.min(best, (timed * 1e6) / packets);
      total += packets;
    }
  }
  memory.free();
  out({ row: 'usercost', layer: 'ring', op, size, batch: B, memory: memory.kind, packets: total, nsPerPacket: round(best, 2) });
}

async function wakeup(dir, iterations) {
  const { memory, pair, share } = allocatePair(ring);
  const [event] = events.createEvents(1);
  const dataBuffer = new SharedArrayBuffer(8 * iterations * 2);
  const data = new Float64Array(dataBuffer);
  const driver = startDriver(dir === 'send' ? 'wk-send' : 'wk-recv', share, event, { dataBuffer, iterations });
  await driver.ready();
  const lat = [];
  if (dir === 'send') {
    const reader = new ring.SendRingReader(pair.send);
    const deadline = performance.now() + iterations * 5 + 2000;
    while (lat.length < iterations && performance.now() < deadline) {
      const off = reader.receive();
      if (off === RING_EMPTY) {
        await event.wait(100);
        if (driver.failure) throw driver.failure;
        continue;
      }
      const t1 = nowNs();
      lat.push(t1 - data[lat.length]);
      reader.release(off);
    }
  } else {
    const writer = new ring.ReceiveRingWriter(pair.receive);
    const bytes = pair.receive.bytes;
    const view = makeSource().subarray(0, 64);
    const gap = gapMaker();
    for (let i = 0; i < iterations; i++) {
      sleepSync(gap());
      const off = writer.allocate(64);
      data[i] = nowNs();
      bytes.set(view, off);
      if (writer.commit(off)) event.set();
    }
    const deadline = performance.now() + 2000;
    while (Atomics.load(driver.ctl, COUNT) < iterations && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const n = Atomics.load(driver.ctl, COUNT);
    for (let i = 0; i < n; i++) lat.push(data[iterations + i]);
  }
  await driver.stop();
  memory.free();
  lat.sort((x, y) => x - y);
  out({
    row: 'wakeup', layer: 'ring', dir, events: events.source, samples: lat.length,
    p50Ns: Math.round(percentile(lat, 0.5)), p90Ns: Math.round(percentile(lat, 0.9)),
    p99Ns: Math.round(percentile(lat, 0.99)), maxNs: Math.round(lat[lat.length - 1] ?? 0),
  });
}

// The same measurements through the Session API (layer 3): drain/receiveInto on the receive side,
// sendWith on the send side (both zero-allocation), the session's own wait/spin policy.
async function throughputSession(dir, size, batch, seconds, deferred) {
  const Session = await loadSession();
  if (!Session) return out({ skipped: '@wintun-ts/session is not built' });
  const { memory, pair, share } = allocatePair(ring);
  const [readEvent, writeEvent] = events.createEvents(2);
  const driverEvent = dir === 'send' ? readEvent : writeEvent;
  const driver = startDriver(dir === 'send' ? 'tp-send' : 'tp-recv', share, driverEvent, { size, batch });
  await driver.ready();
  const session = sessionOver(Session, memory, pair, readEvent, writeEvent, { close: () => driver.stop() });
  const win = new MeasureWindow(100, seconds * 1000);
  if (dir === 'send') {
    const touch = (bytes, offset) => {
      sink = (sink + bytes[offset]) & 0x3fffffff;
    };
    let n = 0;
    for (;;) {
      let k = session.drain(touch, batch);
      if (k === 0) {
        try {
          k = await session.receiveInto(touch, { max: batch, timeout: 3000 });
        } catch (e) {
          if (e?.code !== 'ERR_WINTUN_TIMEOUT') throw e;
          const h = pair.send.loadHead(), tl = pair.send.loadTail();
          await session.close().catch(() => {});
          return out({ row: 'throughput', layer: 'session', dir, size, batch, error: `stalled: no packet for 3 s after ${n} packets (Send ring Head ${h}, Tail ${tl}; stats ${JSON.stringify(session.stats)})` });
        }
      }
      n += k;
      if (win.sample(n)) break;
    }
  } else {
    const view = makeSource().subarray(0, size);
    const fill = (bytes, offset) => bytes.set(view, offset);
    let iter = 0;
    for (;;) {
      if (deferred) {
        // sendWith(..., more = true) per packet, one flushSends() per batch (and before retrying
        // on a full ring, or the driver would never see the deferred packets).
        for (let i = 0; i < batch; i++) {
          while (!session.sendWith(size, fill, true)) {
            session.flushSends();
            if (driver.failure) throw driver.failure;
          }
        }
        session.flushSends();
      } else {
        for (let i = 0; i < batch; i++) {
          while (!session.sendWith(size, fill)) {
            if (driver.failure) throw driver.failure;
          }
        }
      }
      iter += batch;
      if (iter >= 256) {
        iter = 0;
        if (win.sample(Atomics.load(driver.ctl, COUNT))) break;
      }
    }
  }
  await session.close();
  out({ row: 'throughput', layer: 'session', dir, size, batch, deferred, capacity: CAPACITY, memory: memory.kind, events: events.source, ...win.result(size) });
}

async function usercostSession(op, size, seconds) {
  const Session = await loadSession();
  if (!Session) return out({ skipped: '@wintun-ts/session is not built' });
  const B = 32, ROUNDS = 5;
  const layout = { sendCapacity: CAPACITY, receiveCapacity: CAPACITY };
  const memory = ring.allocateRingMemory(ring.ringPairSize(layout));
  const pair = ring.createRingPair(memory, layout);
  const [readEvent, writeEvent] = events.createEvents(2);
  const session = sessionOver(Session, memory, pair, readEvent, writeEvent, { close: async () => {} });
  const view = makeSource().subarray(0, size);
  const outBuf = new Uint8Array(65536);
  const producer = new ring.SendRingProducer(pair.send);
  const consumer = new ring.ReceiveRingConsumer(pair.receive);
  const sb = pair.send.bytes, rb = pair.receive.bytes;
  const touch = (bytes, offset) => {
    sink = (sink + bytes[offset]) & 0x3fffffff;
  };
  const copyOut = (bytes, offset, length) => outBuf.set(bytes.subarray(offset, offset + length));
  const fill = (bytes, offset) => bytes.set(view, offset);
  const fn = op === 'rxcopy' ? copyOut : touch;
  let best = Infinity, total = 0;
  const roundMs = (seconds * 1000) / ROUNDS;
  for (let round = -1; round < ROUNDS; round++) {
    let timed = 0, packets = 0;
    const wall0 = performance.now();
    while (performance.now() - wall0 < (round < 0 ? 150 : roundMs)) {
      for (let rep = 0; rep < 16; rep++) {
        if (op !== 'tx' && op !== 'txb') {
          for (let i = 0; i < B; i++) {
            const off = producer.reserve(size);
            sb.set(view, off);
            producer.commitRecord(off, size);
          }
          if (producer.publish()) readEvent.set();
          resetEvent(readEvent);
          const t0 = performance.now();
          if (op === 'lease') {
            // the lease path: one ReceivedPacket per packet, read one byte, release
            for (let i = 0; i < B; i++) {
              const p = session.tryReceive();
              sink = (sink + p.data[0]) & 0x3fffffff;
              p.release();
            }
          } else {
            // rx, rxb and rxcopy: drain (one Head store per call)
            session.drain(fn, B);
          }
          timed += performance.now() - t0;
        } else {
          const t0 = performance.now();
          if (op === 'txb') {
            for (let i = 0; i < B; i++) session.sendWith(size, fill, true);
            session.flushSends();
          } else {
            for (let i = 0; i < B; i++) session.sendWith(size, fill);
          }
          timed += performance.now() - t0;
          for (let i = 0; i < B; i++) {
            const off = consumer.next();
            sink = (sink + rb[off]) & 0x3fffffff;
            consumer.release();
          }
          resetEvent(writeEvent);
        }
        packets += B;
      }
    }
    if (round >= 0) {
      best = Math.min(best, (timed * 1e6) / packets);
      total += packets;
    }
  }
  await session.close();
  out({ row: 'usercost', layer: 'session', op, size, batch: B, memory: memory.kind, packets: total, nsPerPacket: round(best, 2) });
}

async function wakeupSession(iterations) {
  const Session = await loadSession();
  if (!Session) return out({ skipped: '@wintun-ts/session is not built' });
  const { memory, pair, share } = allocatePair(ring);
  const [readEvent, writeEvent] = events.createEvents(2);
  const dataBuffer = new SharedArrayBuffer(8 * iterations * 2);
  const data = new Float64Array(dataBuffer);
  const driver = startDriver('wk-send', share, readEvent, { dataBuffer, iterations });
  await driver.ready();
  const session = sessionOver(Session, memory, pair, readEvent, writeEvent, { close: () => driver.stop() });
  const lat = [];
  let t1 = 0;
  const take = () => {
    t1 = nowNs();
  };
  const deadline = performance.now() + iterations * 5 + 2000;
  while (lat.length < iterations && performance.now() < deadline) {
    try {
      await session.receiveInto(take, { max: 1, timeout: 200 });
    } catch (e) {
      if (e?.code === 'ERR_WINTUN_TIMEOUT') continue;
      throw e;
    }
    lat.push(t1 - data[lat.length]);
  }
  const st = { ...session.stats };
  await session.close();
  lat.sort((x, y) => x - y);
  out({
    row: 'wakeup', layer: 'session', dir: 'send', events: events.source, samples: lat.length,
    p50Ns: Math.round(percentile(lat, 0.5)), p90Ns: Math.round(percentile(lat, 0.9)),
    p99Ns: Math.round(percentile(lat, 0.99)), maxNs: Math.round(lat[lat.length - 1] ?? 0),
    sessionStats: { wakeups: st.wakeups, waitTimeouts: st.waitTimeouts, timeoutsWithDataPending: st.timeoutsWithDataPending, spins: st.spins },
  });
}

function out(o) {
  console.log(JSON.stringify({ impl: 'wintun-ts', ...o }));
}

if (mode === 'throughput') await throughput(a1, Number(a2), Number(a3), Number(a4), a5 === '1');
else if (mode === 'usercost') usercost(a1, Number(a2), Number(a3));
else if (mode === 'wakeup') await wakeup(a1, Number(a2));
else if (mode === 'throughput-session') await throughputSession(a1, Number(a2), Number(a3), Number(a4), a5 === '1');
else if (mode === 'wakeup-session') await wakeupSession(Number(a1));
else if (mode === 'usercost-session') await usercostSession(a1, Number(a2), Number(a3));
else {
  console.error('usage: ring-bench.mjs throughput|usercost|wakeup ...');
  process.exit(1);
}
if (sink === 0.5) console.log(sink); // keep the reads observable
