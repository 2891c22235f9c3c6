// The driver role of the wintun-ts benchmarks, in a worker thread (as the kernel driver is a
// separate thread). Modes mirror bench/native/ring_bench.c:
//   tp-send : SendRingProducer writes batches, publish() + event set on every Tail move
//   tp-recv : ReceiveRingConsumer next/release; when empty spin 100 us, then prepareWait/waitSync
//   wk-send : one packet every 200-700 us, timestamps in the shared Float64Array
//   wk-recv : idle consumer (spin then Alertable wait), records latency per packet
import { workerData, parentPort } from 'node:worker_threads';
import { attachPair, loadEvents, loadRing, makeSource, nowNs, sleepSync, gapMaker, resetEvent } from '../common.mjs';

const STOP = 0, READY = 1, COUNT = 2, DONE = 3;
const { mode, share, events, ctlBuffer, dataBuffer, size, batch, iterations } = workerData;
const ctl = new Int32Array(ctlBuffer);
const data = dataBuffer ? new Float64Array(dataBuffer) : null;

const { ring, reason } = await loadRing();
if (!ring) throw new Error(reason);
const { openEvent } = await loadEvents();
const { pair } = attachPair(ring, share);
const event = openEvent(events);
const src = makeSource();
const { RING_EMPTY, RING_FULL } = ring;

let sink = 0;

function idle(consumer, r) {
  // the driver's idle path: spin up to 100 us re-reading Tail, then the Alertable handshake
  const t0 = performance.now();
  while (performance.now() - t0 < 0.1) {
    if (r.loadTail() !== r.loadHead() || Atomics.load(ctl, STOP) !== 0) return;
  }
  if (consumer.prepareWait()) {
    event.waitSync(20);
    consumer.endWait();
  } else {
    consumer.endWait();
    resetEvent(event);
  }
}

Atomics.store(ctl, READY, 1);
Atomics.notify(ctl, READY);

if (mode === 'tp-send') {
  const p = new ring.SendRingProducer(pair.send);
  const bytes = pair.send.bytes;
  const view = src.subarray(0, size);
  outer: while (Atomics.load(ctl, STOP) === 0) {
    for (let i = 0; i < batch; i++) {
      let off;
      while ((off = p.reserve(size)) === RING_FULL) {
        if (p.publish()) event.set();
        if (Atomics.load(ctl, STOP) !== 0) break outer;
      }
      if (off < 0) break outer;
      bytes.set(view, off);
      p.commitRecord(off, size);
    }
    if (p.publish()) event.set();
  }
} else if (mode === 'tp-recv') {
  const c = new ring.ReceiveRingConsumer(pair.receive);
  const r = pair.receive;
  const bytes = r.bytes;
  let n = 0;
  while (Atomics.load(ctl, STOP) === 0) {
    const off = c.next();
    if (off === RING_EMPTY) {
      Atomics.store(ctl, COUNT, n);
      idle(c, r);
      continue;
    }
    if (off < 0) throw new Error(`receive ring consumer: ${off} ${c.abortReason}`);
    sink += bytes[off];
    c.release();
    if ((++n & 31) === 0) Atomics.store(ctl, COUNT, n);
  }
} else if (mode === 'wk-send') {
  const p = new ring.SendRingProducer(pair.send);
  const bytes = pair.send.bytes;
  const view = src.subarray(0, 64);
  const gap = gapMaker();
  for (let i = 0; i < iterations && Atomics.load(ctl, STOP) === 0; i++) {
    sleepSync(gap());
    const off = p.reserve(64);
    data[i] = nowNs();
    bytes.set(view, off);
    p.commitRecord(off, 64);
    if (p.publish()) event.set();
  }
} else if (mode === 'wk-recv') {
  const c = new ring.ReceiveRingConsumer(pair.receive);
  const r = pair.receive;
  let n = 0;
  while (n < iterations && Atomics.load(ctl, STOP) === 0) {
    const off = c.next();
    if (off === RING_EMPTY) {
      idle(c, r);
      continue;
    }
    if (off < 0) throw new Error(`receive ring consumer: ${off} ${c.abortReason}`);
    const t1 = nowNs();
    // data[0..iterations) holds the producer's t0 per packet, data[iterations..) the latencies
    data[iterations + n] = t1 - data[n];
    n++;
    c.release();
    Atomics.store(ctl, COUNT, n);
  }
} else {
  throw new Error(`unknown driver mode ${mode}`);
}

Atomics.store(ctl, DONE, 1);
Atomics.notify(ctl, DONE);
parentPort?.postMessage({ sink });
