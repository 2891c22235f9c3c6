#!/usr/bin/env node
// The receive forms of a Session side by side (issue 11): `drain` (the zero-allocation batch
// callback), the async iterator (`for await (const batch of session)`) and leases
// (`tryReceive` + `release`). An in-thread producer plays the driver: it writes `B` packets and
// publishes, the consumer takes them, repeatedly. Reported, never asserted: ns per packet and heap
// bytes allocated per packet (slope between two windows, so one-off costs cancel).
//
//   node --expose-gc bench/js/iterator.mjs [--packets 2000000] [--batch 32] [--size 64]
import v8 from 'node:v8';

const argv = process.argv.slice(2);
const arg = (flag, fallback) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const PACKETS = arg('--packets', 2_000_000);
const B = arg('--batch', 32);
const SIZE = arg('--size', 64);
if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc');
  process.exit(2);
}

const { createInThreadDriver } = await import('@wintun-ts/session/testing');
const { SendRingProducer } = await import('@wintun-ts/ring');

const driver = createInThreadDriver({ capacity: 0x400000, session: { spin: false } });
const { session, rings } = driver;
const producer = new SendRingProducer(rings.send);
const sendBytes = rings.send.bytes;
const payload = new Uint8Array(SIZE);
payload[0] = 0x45;
let sink = 0;

function inject() {
  for (let i = 0; i < B; i++) {
    const off = producer.reserve(SIZE);
    sendBytes.set(payload, off);
    producer.commitRecord(off, SIZE);
  }
  producer.publish();
}

const touch = (bytes, offset) => {
  sink += bytes[offset];
};

const forms = {
  async drain(n) {
    for (let done = 0; done < n; done += B) {
      inject();
      session.drain(touch);
    }
  },
  async 'drain+await'(n) {
    // drain with one await per batch, as an async receive loop has: isolates the promise cost
    for (let done = 0; done < n; done += B) {
      inject();
      session.drain(touch);
      await undefined;
    }
  },
  async iterator(n) {
    // `for await (const batch of session)` spelled out, so the loop can stop after n packets
    const iterator = session[Symbol.asyncIterator]();
    for (let done = 0; done < n; done += B) {
      inject();
      const { value: batch } = await iterator.next();
      const bytes = batch.bytes;
      for (let i = 0; i < batch.count; i++) sink += bytes[batch.offset(i)];
    }
    await iterator.return(); // releases the last batch, as leaving a for-await loop does
  },
  async lease(n) {
    for (let done = 0; done < n; done += B) {
      inject();
      for (let i = 0; i < B; i++) {
        const p = session.tryReceive();
        sink += p.data[0];
        p.release();
      }
      await undefined;
    }
  },
};

async function measure(run, n) {
  globalThis.gc();
  const profiler = new v8.GCProfiler();
  const h0 = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  const t0 = performance.now();
  await run(n);
  const ms = performance.now() - t0;
  const stats = profiler.stop();
  const h1 = v8.getHeapStatistics().used_heap_size;
  let freed = 0;
  for (const s of stats?.statistics ?? []) freed += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize);
  return { ms, allocated: h1 - h0 + freed };
}

const results = {};
for (const [name, run] of Object.entries(forms)) {
  await run(200_000); // warm-up
  const small = Math.floor(PACKETS / 4 / B) * B;
  const a = await measure(run, small);
  const b = await measure(run, PACKETS);
  results[name] = {
    nsPerPacket: Math.round((b.ms * 1e6) / PACKETS * 10) / 10,
    bytesPerPacket: Math.round((Math.max(0, b.allocated - a.allocated) / (PACKETS - small)) * 100) / 100,
  };
}
results.iteratorVsDrain = Math.round((results.iterator.nsPerPacket / results.drain.nsPerPacket) * 100) / 100;
console.log(JSON.stringify({ packets: PACKETS, batch: B, size: SIZE, node: process.version, ...results, sink: sink > 0 }));
await session.close();
