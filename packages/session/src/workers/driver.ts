/**
 * Worker entry of the driver loops: opens the ring memory, the rings and the event it was given,
 * imports its I/O module, tells the host it is ready, and runs one loop until stopped. Started by
 * `startDriverWorkers`; not for direct use.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachRingMemory, createRingPair, wrapRingMemory } from '@wintun-ts/ring';
import type { RingMemory } from '@wintun-ts/ring';
import { openEvent } from '../events/open.js';
import type { EventDescriptor } from '../events/types.js';
import { DriverControl, runConsumerLoop, runProducerLoop } from '../driver/loops.js';
import type { PacketSink, PacketSource } from '../driver/loops.js';

interface Data {
  role: 'producer' | 'consumer';
  memory: { address: bigint | null; buffer: SharedArrayBuffer | null; byteLength: number };
  layout: { sendCapacity: number; receiveCapacity: number };
  byteOffset: number;
  event: EventDescriptor;
  control: SharedArrayBuffer;
  io: string;
  ioOptions: unknown;
  loop: Record<string, unknown>;
}

interface IoModule {
  createPacketSource?: (options: unknown, context: unknown) => PacketSource | Promise<PacketSource>;
  createPacketSink?: (options: unknown, context: unknown) => PacketSink | Promise<PacketSink>;
}

const data = workerData as Data;
const control = new Int32Array(data.control);
const memory: RingMemory =
  data.memory.address !== null ? attachRingMemory(data.memory.address, data.memory.byteLength) : wrapRingMemory(data.memory.buffer as SharedArrayBuffer);
const rings = createRingPair(memory, data.layout, data.byteOffset);
const event = openEvent(data.event);
const io = (await import(data.io)) as IoModule;
const context = { role: data.role, control, stopped: () => Atomics.load(control, DriverControl.STOP) !== 0 };

if (data.role === 'producer') {
  if (typeof io.createPacketSource !== 'function') throw new Error(`${data.io} does not export createPacketSource`);
  const source = await io.createPacketSource(data.ioOptions, context);
  parentPort?.postMessage({ type: 'ready' });
  runProducerLoop(rings.send, source, event, control, data.loop);
} else {
  if (typeof io.createPacketSink !== 'function') throw new Error(`${data.io} does not export createPacketSink`);
  const sink = await io.createPacketSink(data.ioOptions, context);
  parentPort?.postMessage({ type: 'ready' });
  runConsumerLoop(rings.receive, sink, event, control, data.loop);
}
event.close();
memory.free();
