/**
 * The main-thread side of the driver loops: starts one worker per loop over shared ring memory and
 * stops them (stop flag, wake-ups, bounded join, then terminate).
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { WintunError } from '@wintun-ts/ring';
import type { RingMemory, RingPairLayout } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import type { DriverLink } from '../session.js';
import { workerUrl } from '../worker-url.js';
import { DriverControl, createDriverControl } from './loops.js';
import type { ConsumerLoopOptions, ProducerLoopOptions } from './loops.js';

/**
 * One loop to run in a worker: the I/O module it imports and that module's options.
 *
 * The I/O module is an ES module URL (a built `.js`/`.mjs` file; not `.ts`) exporting
 * `createPacketSource(options, context)` (for the producer) and/or `createPacketSink(options, context)`
 * (for the consumer), each returning a `PacketSource`/`PacketSink` or a promise of one. `context` is
 * a {@link DriverIoContext}. The factory runs inside the worker, so it opens its own fds/views there.
 */
export interface DriverLoopSpec<L> {
  /** URL (or `file:` href) of the I/O module. */
  readonly io: URL | string;
  /** Structured-clonable options passed to the factory. */
  readonly ioOptions?: unknown;
  /** Loop tuning. */
  readonly loop?: L | undefined;
}

/** What an I/O module factory receives besides its options. */
export interface DriverIoContext {
  /** `'producer'` or `'consumer'`. */
  readonly role: 'producer' | 'consumer';
  /** The control block; slot {@link DriverControl.STOP} is the stop flag. */
  readonly control: Int32Array;
  /** True once the host asked the loops to stop: a blocking source/sink must return soon after. */
  stopped(): boolean;
}

/** Options of {@link startDriverWorkers}. */
export interface StartDriverWorkersOptions {
  /** The ring memory: native (passed by address) or SharedArrayBuffer-backed (passed as is). */
  readonly memory: RingMemory;
  /** Capacities of the ring pair in `memory`. */
  readonly layout: RingPairLayout;
  /** Where the Send ring starts in `memory` (the Receive ring follows it). Default 0. */
  readonly byteOffset?: number | undefined;
  /** Send ring TailMoved: the producer sets it. */
  readonly readEvent: AutoResetEvent;
  /** Receive ring TailMoved: the consumer waits on it. */
  readonly writeEvent: AutoResetEvent;
  /** The Send-ring producer loop, or null for none. */
  readonly producer?: DriverLoopSpec<ProducerLoopOptions> | null | undefined;
  /** The Receive-ring consumer loop, or null for none. */
  readonly consumer?: DriverLoopSpec<ConsumerLoopOptions> | null | undefined;
  /** Milliseconds to wait for the workers to exit on close before terminating them. Default 2000. */
  readonly stopTimeoutMs?: number | undefined;
  /** Called on close right after the stop flag is set: wake whatever the I/O modules wait on. */
  readonly onStop?: (() => void) | undefined;
}

/**
 * Running driver workers. Implements {@link DriverLink}, so it can be handed to a `Session`.
 * Main thread only.
 */
export interface DriverWorkers extends DriverLink {
  /** The control block shared with the loops (stop flag, commands, counters: {@link DriverControl}). */
  readonly control: Int32Array;
  /** Rejects with `ERR_WINTUN_WORKER_FAILED` when a worker throws or exits abnormally before close. */
  readonly failed: Promise<never>;
  /**
   * Stops both loops: sets the stop flag, wakes both events (and calls `onStop`), waits up to
   * `stopTimeoutMs` for each worker to exit, then terminates stragglers. Idempotent.
   */
  close(): Promise<void>;
}

interface WorkerData {
  role: 'producer' | 'consumer';
  memory: { address: bigint | null; buffer: SharedArrayBuffer | null; byteLength: number };
  layout: { sendCapacity: number; receiveCapacity: number };
  byteOffset: number;
  event: ReturnType<AutoResetEvent['describe']>;
  control: SharedArrayBuffer;
  io: string;
  ioOptions: unknown;
  loop: unknown;
}

/**
 * The parent's `execArgv` without the `@wintun-ts/source` export condition: the worker runs built
 * JavaScript and must resolve packages to their `dist/` files (Node cannot load `.ts`), also when the
 * parent runs under a test runner that resolves to sources.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if ((a === '--conditions' || a === '-C') && args[i + 1] === '@wintun-ts/source') {
      i++;
      continue;
    }
    if (a === '--conditions=@wintun-ts/source' || a === '-C=@wintun-ts/source') continue;
    out.push(a);
  }
  return out;
}

/** @internal The message a worker posts once its loop is about to run. */
export interface DriverWorkerReady {
  readonly type: 'ready';
}

/**
 * Starts the driver loops in worker threads (one per loop) and resolves once each has opened its
 * rings, events and I/O and is about to loop. The workers keep the process alive until
 * {@link DriverWorkers.close}.
 *
 * @throws WintunError (rejection) `ERR_WINTUN_WORKER_FAILED` when a worker fails to start (the
 *   others are stopped); `ERR_WINTUN_INVALID_ARGUMENT` when the memory cannot be shared with a
 *   worker (a plain ArrayBuffer without an address).
 */
export async function startDriverWorkers(options: StartDriverWorkersOptions): Promise<DriverWorkers> {
  const { memory } = options;
  let shared: SharedArrayBuffer | null = null;
  if (memory.address === null) {
    if (!(memory.buffer instanceof SharedArrayBuffer)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'Driver workers need native ring memory (with an address) or a SharedArrayBuffer.');
    }
    shared = memory.buffer;
  }
  const control = createDriverControl();
  const url = workerUrl('driver');
  const workers: Worker[] = [];
  let closing = false;
  let rejectFailed!: (error: unknown) => void;
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => undefined);

  const start = (role: 'producer' | 'consumer', spec: DriverLoopSpec<unknown>, event: AutoResetEvent): Promise<void> => {
    const data: WorkerData = {
      role,
      memory: { address: memory.address, buffer: shared, byteLength: memory.byteLength },
      layout: { sendCapacity: options.layout.sendCapacity, receiveCapacity: options.layout.receiveCapacity },
      byteOffset: options.byteOffset ?? 0,
      event: event.describe(),
      control: control.buffer as SharedArrayBuffer,
      io: String(spec.io instanceof URL ? spec.io.href : spec.io),
      ioOptions: spec.ioOptions,
      loop: spec.loop ?? {},
    };
    const worker = new Worker(url, { workerData: data, name: `wintun-ts ${role}`, execArgv: workerExecArgv() });
    workers.push(worker);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: DriverWorkerReady) => {
        if (m.type === 'ready') {
          ready = true;
          resolve();
        }
      });
      worker.on('error', (cause) => {
        const error = new WintunError('ERR_WINTUN_WORKER_FAILED', `The ${role} driver worker failed: ${String((cause as Error)?.message ?? cause)}`, { cause });
        if (!ready) reject(error);
        else if (!closing) rejectFailed(error);
      });
      worker.on('exit', (code) => {
        const error = new WintunError('ERR_WINTUN_WORKER_FAILED', `The ${role} driver worker exited with code ${code}.`);
        if (!ready) reject(error);
        else if (!closing && code !== 0) rejectFailed(error);
      });
    });
  };

  let closePromise: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      Atomics.store(control, DriverControl.STOP, 1);
      Atomics.notify(control, DriverControl.STOP);
      options.writeEvent.set();
      options.readEvent.set();
      options.onStop?.();
      const timeout = options.stopTimeoutMs ?? 2000;
      await Promise.all(
        workers.map(async (worker) => {
          if (worker.threadId === -1) return;
          let timer: ReturnType<typeof setTimeout> | undefined;
          const exited = new Promise<boolean>((resolve) => {
            worker.once('exit', () => resolve(true));
            timer = setTimeout(() => resolve(false), timeout);
          });
          const ok = await exited;
          clearTimeout(timer);
          if (!ok) await worker.terminate();
        }),
      );
    })();
    return closePromise;
  };

  const starts: Promise<void>[] = [];
  if (options.producer) starts.push(start('producer', options.producer, options.readEvent));
  if (options.consumer) starts.push(start('consumer', options.consumer, options.writeEvent));
  try {
    await Promise.all(starts);
  } catch (error) {
    await close();
    throw error;
  }
  return { control, failed, close };
}
