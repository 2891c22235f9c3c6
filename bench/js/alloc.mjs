// Steady-state allocation of the wintun-ts hot paths (row 5). Run with --expose-gc:
//   node --expose-gc bench/js/alloc.mjs <packets> [size]
// Both roles alternate on one thread in batches of 32 (as in the user-cost row), so the figures
// include the driver role's calls too. Per path: heap bytes allocated (used-heap delta plus what
// every GC in the window freed, from v8.GCProfiler; bytes/packet is the slope between an n/4 and
// an n packet window, so one-off costs cancel), GC count and total GC pause
// (PerformanceObserver 'gc' entries), scaled to one million packets.
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import { CAPACITY, loadEvents, loadRing, makeSource, resetEvent } from './common.mjs';

const packets = Number(process.argv[2] ?? 1_000_000);
const size = Number(process.argv[3] ?? 64);
const { ring, reason } = await loadRing();
if (!ring) {
  console.log(JSON.stringify({ impl: 'wintun-ts', skipped: reason }));
  process.exit(0);
}
if (typeof globalThis.gc !== 'function') {
  console.log(JSON.stringify({ impl: 'wintun-ts', skipped: 'run with node --expose-gc' }));
  process.exit(0);
}
const events = await loadEvents();
const { RING_EMPTY } = ring;
const B = 32;
// Every read byte goes into `sink`, kept below 2^30 (a small integer, like C's wrapping uint32):
// a plain sum passes V8's small-integer range after about 15 M packets and then allocates a heap
// number per packet, which the C side never pays.
let sink = 0;

const layout = { sendCapacity: CAPACITY, receiveCapacity: CAPACITY };
const memory = ring.allocateRingMemory(ring.ringPairSize(layout));
const pair = ring.createRingPair(memory, layout);
const [event] = events.createEvents(1);
const view = makeSource().subarray(0, size);
const outBuf = new Uint8Array(65536);
const producer = new ring.SendRingProducer(pair.send);
const reader = new ring.SendRingReader(pair.send);
const writer = new ring.ReceiveRingWriter(pair.receive);
const consumer = new ring.ReceiveRingConsumer(pair.receive);
const sb = pair.send.bytes, rb = pair.receive.bytes;

function fillSend() {
  for (let i = 0; i < B; i++) {
    const off = producer.reserve(size);
    sb.set(view, off);
    producer.commitRecord(off, size);
  }
  if (producer.publish()) event.set();
  resetEvent(event);
}

/** The driver side of the send paths: consume and release up to one batch from the Receive ring. */
function drainReceive(cons, bytes) {
  for (let i = 0; i < B; i++) {
    const off = cons.next();
    if (off === RING_EMPTY) break;
    sink = (sink + bytes[off]) & 0x3fffffff;
    cons.release();
  }
}

const paths = {
  // zero-copy receive: receive() -> read in place -> release()
  rx(n) {
    for (let done = 0; done < n; done += B) {
      fillSend();
      for (let i = 0; i < B; i++) {
        const off = reader.receive();
        sink = (sink + sb[off]) & 0x3fffffff;
        reader.release(off);
      }
    }
  },
  // receive with a copy out through subarray (the idiomatic copy; the view is an allocation)
  rxcopy(n) {
    for (let done = 0; done < n; done += B) {
      fillSend();
      for (let i = 0; i < B; i++) {
        const off = reader.receive();
        outBuf.set(sb.subarray(off, off + reader.lastSize));
        reader.release(off);
      }
    }
  },
  // the batch form: receive() x32 -> releaseDeferred() each -> publishHead() once
  rxb(n) {
    for (let done = 0; done < n; done += B) {
      fillSend();
      for (let i = 0; i < B; i++) {
        const off = reader.receive();
        sink = (sink + sb[off]) & 0x3fffffff;
        reader.releaseDeferred(off);
      }
      reader.publishHead();
    }
  },
  // zero-copy send: allocate() -> fill in place -> commit()
  tx(n) {
    for (let done = 0; done < n; done += B) {
      for (let i = 0; i < B; i++) {
        const off = writer.allocate(size);
        rb.set(view, off);
        if (writer.commit(off)) event.set();
      }
      drainReceive(consumer, rb);
    }
  },
  // the batch form: allocate() -> fill -> commitDeferred() x32, publish() once
  txb(n) {
    for (let done = 0; done < n; done += B) {
      for (let i = 0; i < B; i++) {
        const off = writer.allocate(size);
        rb.set(view, off);
        writer.commitDeferred(off);
      }
      if (writer.publish()) event.set();
      drainReceive(consumer, rb);
    }
  },
};

// The same zero-copy paths through the Session API (drain / sendWith), when the session is built.
let Session = null;
try {
  Session = (await import('@wintun-ts/session')).Session ?? null;
} catch {
  Session = null;
}
if (Session) {
  const layout2 = { sendCapacity: CAPACITY, receiveCapacity: CAPACITY };
  const memory2 = ring.allocateRingMemory(ring.ringPairSize(layout2));
  const pair2 = ring.createRingPair(memory2, layout2);
  const [re, we] = events.createEvents(2);
  const session = new Session({ rings: pair2, readEvent: re, writeEvent: we, link: { close: async () => {} }, memory: memory2 });
  const prod2 = new ring.SendRingProducer(pair2.send);
  const cons2 = new ring.ReceiveRingConsumer(pair2.receive);
  const sb2 = pair2.send.bytes, rb2 = pair2.receive.bytes;
  const touch = (bytes, offset) => {
    sink = (sink + bytes[offset]) & 0x3fffffff;
  };
  const fill = (bytes, offset) => bytes.set(view, offset);
  paths['session-rx'] = (n) => {
    for (let done = 0; done < n; done += B) {
      for (let i = 0; i < B; i++) {
        const off = prod2.reserve(size);
        sb2.set(view, off);
        prod2.commitRecord(off, size);
      }
      if (prod2.publish()) re.set();
      resetEvent(re);
      session.drain(touch, B);
    }
  };
  paths['session-tx'] = (n) => {
    for (let done = 0; done < n; done += B) {
      for (let i = 0; i < B; i++) session.sendWith(size, fill);
      drainReceive(cons2, rb2);
      resetEvent(we);
    }
  };
  paths['session-txb'] = (n) => {
    for (let done = 0; done < n; done += B) {
      for (let i = 0; i < B; i++) session.sendWith(size, fill, true);
      session.flushSends();
      drainReceive(cons2, rb2);
      resetEvent(we);
    }
  };
  // informational: a lease is an object with a view and two closures by design
  paths['session-lease'] = (n) => {
    for (let done = 0; done < n; done += B) {
      for (let i = 0; i < B; i++) {
        const off = prod2.reserve(size);
        sb2.set(view, off);
        prod2.commitRecord(off, size);
      }
      if (prod2.publish()) re.set();
      resetEvent(re);
      for (let i = 0; i < B; i++) {
        const p = session.tryReceive();
        sink = (sink + p.data[0]) & 0x3fffffff;
        p.release();
      }
    }
  };
}

/** Heap bytes allocated, GC count and GC pause while `run(n)` executes. */
async function measure(run, n) {
  const gcEntries = [];
  const obs = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
  obs.observe({ entryTypes: ['gc'] });
  globalThis.gc();
  await new Promise((r) => setImmediate(r));
  gcEntries.length = 0; // drop the forced GC
  const profiler = new v8.GCProfiler();
  const h0 = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  const t0 = performance.now();
  run(n);
  const ms = performance.now() - t0;
  const stats = profiler.stop();
  const h1 = v8.getHeapStatistics().used_heap_size;
  await new Promise((r) => setImmediate(r)); // let the observer deliver
  obs.disconnect();
  let freed = 0;
  for (const s of stats?.statistics ?? []) {
    freed += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize);
  }
  // GC count and pauses: v8.GCProfiler's entries (cost in us); the PerformanceObserver 'gc'
  // entries are the cross-check (delivered asynchronously, so they may trail the window).
  const list = stats?.statistics ?? [];
  const profPause = list.reduce((a, e) => a + (e.cost ?? 0), 0) / 1000;
  const obsPause = gcEntries.reduce((a, e) => a + e.duration, 0);
  return {
    allocated: h1 - h0 + freed, ms,
    gcs: list.length,
    pauseMs: profPause,
    observerGcs: gcEntries.length,
    observerPauseMs: obsPause,
  };
}

for (const [name, run] of Object.entries(paths)) {
  run(200_000); // warm up: let the JIT settle before measuring
  // Two windows (n/4 and n packets): the slope cancels constant one-off costs (JIT code, feedback).
  const small = await measure(run, Math.max(B, Math.floor(packets / 4 / B) * B));
  const big = await measure(run, packets);
  const smallN = Math.max(B, Math.floor(packets / 4 / B) * B);
  const slope = Math.max(0, (big.allocated - small.allocated) / (packets - smallN));
  const perM = 1e6 / packets;
  console.log(JSON.stringify({
    impl: 'wintun-ts', row: 'alloc', path: name, size, packets, ms: Math.round(big.ms),
    bytesPerPacket: Math.round(slope * 100) / 100,
    bytesPerMillion: Math.round(slope * 1e6),
    rawBytesInWindow: Math.max(0, big.allocated),
    gcCount: Math.round(big.gcs * perM * 100) / 100,
    gcPauseMsPerMillion: Math.round(big.pauseMs * perM * 1000) / 1000,
    observerGcEntries: big.observerGcs,
  }));
}
memory.free();
if (sink === 0.5) console.log(sink);
