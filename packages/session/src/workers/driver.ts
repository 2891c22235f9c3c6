/**
 * Worker entry of the driver loops, a pooled thread (see `driver/pool.ts`): for each `run` message
 * it opens the ring memory, the rings and the event it was given, imports the I/O module, tells
 * the host it is ready, runs one loop until stopped, releases what it opened and reports `done`.
 * Then it waits for the next `run`. A failure is reported as `failed` (the host then terminates
 * this thread). Started by `startDriverWorkers`; not for direct use.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { attachRingMemory, createRingPair, wrapRingMemory } from '@wintun-ts/ring';
import type { RingMemory } from '@wintun-ts/ring';
import { openEvent } from '../events/open.js';
import type { AutoResetEvent, EventDescriptor } from '../events/types.js';
import { DriverControl, runConsumerLoop, runProducerLoop } from '../driver/loops.js';
import type { PacketSink, PacketSource } from '../driver/loops.js';

/** @internal What the host sends to run one loop. */
export interface DriverRunMessage {
  readonly type: 'run';
  readonly run: number;
  readonly role: 'producer' | 'consumer';
  readonly memory: { address: bigint | null; buffer: SharedArrayBuffer | null; byteLength: number };
  readonly layout: { sendCapacity: number; receiveCapacity: number };
  readonly byteOffset: number;
  readonly event: EventDescriptor;
  readonly control: SharedArrayBuffer;
  readonly io: string;
  readonly ioOptions: unknown;
  readonly loop: Record<string, unknown>;
}

/** @internal What the worker reports about a run. */
export type DriverRunReport =
  | { readonly type: 'ready'; readonly run: number }
  | { readonly type: 'done'; readonly run: number }
  | { readonly type: 'failed'; readonly run: number; readonly message: string; readonly code?: string | undefined; readonly stack?: string | undefined };

interface IoModule {
  createPacketSource?: (options: unknown, context: unknown) => PacketSource | Promise<PacketSource>;
  createPacketSink?: (options: unknown, context: unknown) => PacketSink | Promise<PacketSink>;
}

const port = parentPort;
if (port === null) throw new Error('workers/driver.js runs only as a worker thread.');

async function run(data: DriverRunMessage): Promise<void> {
  const control = new Int32Array(data.control);
  let memory: RingMemory | null = null;
  let event: AutoResetEvent | null = null;
  try {
    memory = data.memory.address !== null ? attachRingMemory(data.memory.address, data.memory.byteLength) : wrapRingMemory(data.memory.buffer as SharedArrayBuffer);
    const rings = createRingPair(memory, data.layout, data.byteOffset);
    event = openEvent(data.event);
    const io = (await import(data.io)) as IoModule;
    const context = { role: data.role, control, stopped: () => Atomics.load(control, DriverControl.STOP) !== 0 };
    if (data.role === 'producer') {
      if (typeof io.createPacketSource !== 'function') throw new Error(`${data.io} does not export createPacketSource`);
      const source = await io.createPacketSource(data.ioOptions, context);
      port!.postMessage({ type: 'ready', run: data.run } satisfies DriverRunReport);
      runProducerLoop(rings.send, source, event, control, data.loop);
    } else {
      if (typeof io.createPacketSink !== 'function') throw new Error(`${data.io} does not export createPacketSink`);
      const sink = await io.createPacketSink(data.ioOptions, context);
      port!.postMessage({ type: 'ready', run: data.run } satisfies DriverRunReport);
      runConsumerLoop(rings.receive, sink, event, control, data.loop);
    }
  } finally {
    event?.close();
    // Attached or wrapped memory: this only drops the views; the host owns the memory.
    memory?.free();
  }
}

port.on('message', (message: DriverRunMessage) => {
  if (message?.type !== 'run') return;
  run(message).then(
    () => port.postMessage({ type: 'done', run: message.run } satisfies DriverRunReport),
    (error: unknown) => {
      const e = error as { message?: unknown; code?: unknown; stack?: unknown } | null;
      port.postMessage({
        type: 'failed',
        run: message.run,
        message: String(e?.message ?? error),
        code: typeof e?.code === 'string' ? e.code : undefined,
        stack: typeof e?.stack === 'string' ? e.stack : undefined,
      } satisfies DriverRunReport);
    },
  );
});
