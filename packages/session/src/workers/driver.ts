/**
 * Worker entry of the driver loops, a pooled thread (see `driver/pool.ts`): for each `run` message
 * it opens the ring memory, the rings and the event it was given, imports the I/O module, tells
 * the host it is ready, runs one loop until stopped, releases what it opened and reports `done`.
 * Then it waits for the next `run`. A failure is reported as `failed` (the host then terminates
 * this thread). Started by `startDriverWorkers`; not for direct use.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
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

/** @internal What the pool passes to every driver worker it starts. */
export interface DriverWorkerData {
  /** A 4-byte lock shared by the pool's workers, held while the V8 flag below is toggled. */
  readonly flagLock: SharedArrayBuffer;
  /** True when the process runs with `--expose-gc`: the flag is then left on. */
  readonly exposeGc: boolean;
}

/**
 * A full garbage collection of this thread's heap, run after each loop. Between sessions a pooled
 * worker is idle and allocates nothing, so without it V8 would never collect the views of the last
 * session: the SharedArrayBuffers shared with it (events, control block, test queues of several
 * MiB) would stay alive in this thread, and the process would grow with every session. Obtained
 * once at start-up the documented way to reach `gc` without `--expose-gc` (which workers refuse in
 * execArgv): enable the V8 flag, take `gc` from a fresh context, restore the flag. The flag is
 * process-wide, so the pool's workers do this under a shared lock. Null if it fails.
 */
const collectGarbage = ((): (() => void) | null => {
  const data = workerData as DriverWorkerData | undefined;
  const lock = data?.flagLock instanceof SharedArrayBuffer ? new Int32Array(data.flagLock) : null;
  if (lock === null) return null;
  // Bounded: a holder terminated mid-way must not block later workers (they then go without).
  const deadline = Date.now() + 500;
  let locked = false;
  while (!(locked = Atomics.compareExchange(lock, 0, 0, 1) === 0) && Date.now() < deadline) Atomics.wait(lock, 0, 1, 10);
  if (!locked) return null;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  } finally {
    if (data?.exposeGc !== true) setFlagsFromString('--no-expose-gc');
    Atomics.store(lock, 0, 0);
    Atomics.notify(lock, 0);
  }
})();

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
    () => {
      collectGarbage?.();
      port.postMessage({ type: 'done', run: message.run } satisfies DriverRunReport);
    },
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
