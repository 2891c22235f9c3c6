// Probe for the driver consumer's spin policy (docs/guides/performance.md, "spinning must pay"):
// a worker runs @wintun-ts/session's runConsumerLoop over a Receive ring with a sink that does
// nothing; the main thread commits one 64 B packet per due time at a paced rate (busy-wait pacing)
// and sets the write event when the consumer is alertable. Prints the consumer thread's CPU per
// packet (/proc/self/task/TID/schedstat), its spins and hits, and its CPU in the 10-110 ms after
// the last packet, for the given loop options.
//   node bench/js/consumer-spin.mjs [--rate PPS] [--packets N] [--spin-us U] [--break-even-us B]
import { readFileSync, readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ReceiveRingWriter, createRingPair, ringPairSize, wrapRingMemory } from '@wintun-ts/ring';
import { DriverControl, SharedEvent, createDriverControl } from '@wintun-ts/session/driver';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rate = opt('--rate', 20_000);
const packets = opt('--packets', 20_000);
const loop = { spinUs: opt('--spin-us', 100), spinBreakEvenUs: opt('--break-even-us', 20) };

const layout = { sendCapacity: 0x20000, receiveCapacity: 0x400000 };
const buffer = new SharedArrayBuffer(ringPairSize(layout));
const rings = createRingPair(wrapRingMemory(buffer), layout);
const writer = new ReceiveRingWriter(rings.receive);
const event = new SharedEvent();
const control = createDriverControl();

const worker = new Worker(
  `import { workerData, parentPort } from 'node:worker_threads';
   import { readFileSync } from 'node:fs';
   import { createRingPair, wrapRingMemory } from '@wintun-ts/ring';
   import { openEvent, runConsumerLoop } from '@wintun-ts/session/driver';
   const { buffer, layout, event, control, loop } = workerData;
   const tid = readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0];
   parentPort.postMessage(tid);
   runConsumerLoop(createRingPair(wrapRingMemory(buffer), layout).receive, { write() {} }, openEvent(event), new Int32Array(control), loop);`,
  { eval: true, type: 'module', workerData: { buffer, layout, event: event.describe(), control: control.buffer, loop } },
);
const tid = await new Promise((resolve) => worker.once('message', resolve));
const cpuNs = () => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
void readdirSync;

const gapMs = 1000 / rate;
await new Promise((r) => setTimeout(r, 100));
const c0 = cpuNs();
let due = performance.now();
for (let i = 0; i < packets; i++) {
  due += gapMs;
  while (performance.now() < due);
  const at = writer.allocate(64);
  if (at < 0) continue;
  rings.receive.bytes[at] = 0x45;
  if (writer.commit(at)) event.set();
}
while (Atomics.load(control, DriverControl.CONSUMED) < packets) await new Promise((r) => setTimeout(r, 1));
const c1 = cpuNs();
await new Promise((r) => setTimeout(r, 10));
const c2 = cpuNs();
await new Promise((r) => setTimeout(r, 100));
const c3 = cpuNs();
Atomics.store(control, DriverControl.STOP, 1);
event.set();
await new Promise((r) => worker.once('exit', r));
console.log(
  JSON.stringify({
    rate, packets, loop,
    consumerUsPerPacket: Math.round((c1 - c0) / packets / 10) / 100,
    idlePercent: Math.round((c3 - c2) / 1e6 / 100 * 100 * 100) / 100,
    spins: Atomics.load(control, DriverControl.SPINS),
    spinHits: Atomics.load(control, DriverControl.SPIN_HITS),
    waits: Atomics.load(control, DriverControl.WAITS),
  }),
);
