// The driver thread of bench row 8 (bench/js/wine-wakeup.mjs), under Wine: one 64 B packet every
// 200-700 us into the Send ring, stamped (process.hrtime ns as a little-endian double at payload
// offset 0) just before Tail is published, then SetEvent on the read event (a Win32 event handle
// of this process). Bounded: stops after `iterations` packets or when ctl[0] is set.
import { workerData } from 'node:worker_threads';

const { sessionUrls, address, byteLength, layout, handle, ctl: ctlBuffer, iterations } = workerData;
const s = Object.assign({}, ...(await Promise.all(sessionUrls.map((url) => import(url)))));
const ctl = new Int32Array(ctlBuffer);
const memory = s.attachRingMemory(address, byteLength);
const pair = s.createRingPair(memory, layout);
const event = s.openWin32Event(handle);
const producer = new s.SendRingProducer(pair.send);
const bytes = pair.send.bytes;
const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const nap = new Int32Array(new SharedArrayBuffer(4));
let seed = 12345;
for (let i = 0; i < iterations && Atomics.load(ctl, 0) === 0; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  Atomics.wait(nap, 0, 0, (200 + ((seed >>> 8) % 500)) / 1000);
  const off = producer.reserve(64);
  if (off < 0) throw new Error(`send ring producer: ${off}`);
  bytes.fill(0x45, off, off + 64);
  producer.commitRecord(off, 64);
  dv.setFloat64(off, Number(process.hrtime.bigint()), true);
  if (producer.publish()) event.set(); // the driver signals on every Tail move
}
