/**
 * The main-thread side of the driver loops: starts one worker per loop over shared ring memory and
 * stops them (stop flag, wake-ups, bounded join, then terminate).
 *
 * @module
 */
import { WintunError, ringPairSize } from '@wintun-ts/ring';
import type { RingMemory, RingPairLayout } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import type { DriverLink } from '../session.js';
import type { DriverRunMessage, DriverRunReport } from '../workers/driver.js';
import { acquireDriverWorker, discardDriverWorker, releaseDriverWorker } from './pool.js';
import type { PooledWorker } from './pool.js';
import { DriverControl, createDriverControl } from './loops.js';
import {
  checkConsumerLoopOptions,
  checkDuration,
  checkEventArgument,
  checkInteger,
  checkLayoutShape,
  checkLoopSpec,
  checkOptionalFunction,
  checkProducerLoopOptions,
  checkRequiredOptions,
  checkRingMemoryArgument,
} from './check.js';
import type { Loose } from './check.js';
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
  /**
   * Milliseconds a loop may take to open its rings and I/O before the start fails with
   * `ERR_WINTUN_WORKER_FAILED` (its thread is then terminated). Default 15000.
   */
  readonly startTimeoutMs?: number | undefined;
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
   * `stopTimeoutMs` for each loop to end, then terminates stragglers. Resolves once no loop runs
   * any more (a worker whose loop ended goes back to the pool). Idempotent.
   */
  close(): Promise<void>;
  /** Lets the process exit while the loops run (as an unref'd socket does). Idempotent. */
  unref(): void;
  /** Undoes {@link DriverWorkers.unref}. Idempotent. */
  ref(): void;
}

/**
 * Starts the driver loops on pooled worker threads (one per loop, see `driver/pool.ts`) and resolves
 * once each has opened its rings, events and I/O and is about to loop. The workers keep the process
 * alive until {@link DriverWorkers.close} (or {@link DriverWorkers.unref}).
 *
 * Close ordering guarantee: {@link DriverWorkers.close} resolves only once every loop has ended
 * (its thread reported the end, or was terminated and is gone), also when the start failed; only
 * then may the caller release what the loops use (fds, handles, memory).
 *
 * @throws WintunError (rejection) `ERR_WINTUN_WORKER_FAILED` when a worker fails to start (the
 *   others are stopped first); `ERR_WINTUN_INVALID_ARGUMENT` when the memory cannot be shared with a
 *   worker (a plain ArrayBuffer without an address) or an option is malformed (checked before any
 *   worker starts); `ERR_WINTUN_INVALID_CAPACITY` for a bad layout.
 */
export async function startDriverWorkers(options: StartDriverWorkersOptions): Promise<DriverWorkers> {
  checkDriverWorkersOptions(options);
  const { memory } = options;
  let shared: SharedArrayBuffer | null = null;
  if (memory.address === null) {
    if (!(memory.buffer instanceof SharedArrayBuffer)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'Driver workers need native ring memory (with an address) or a SharedArrayBuffer.');
    }
    shared = memory.buffer;
  }
  const control = createDriverControl();
  const runs: LoopRun[] = [];
  let closing = false;
  let referenced = true;
  let rejectFailed!: (error: unknown) => void;
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => undefined);

  const start = (role: 'producer' | 'consumer', spec: DriverLoopSpec<unknown>, event: AutoResetEvent): LoopRun => {
    const message: DriverRunMessage = {
      type: 'run',
      run: ++runCounter,
      role,
      memory: { address: memory.address, buffer: shared, byteLength: memory.byteLength },
      layout: { sendCapacity: options.layout.sendCapacity, receiveCapacity: options.layout.receiveCapacity },
      byteOffset: options.byteOffset ?? 0,
      event: event.describe(),
      control: control.buffer as SharedArrayBuffer,
      io: String(spec.io instanceof URL ? spec.io.href : spec.io),
      ioOptions: spec.ioOptions,
      loop: (spec.loop ?? {}) as Record<string, unknown>,
    };
    const loop = new LoopRun(role, message.run, acquireDriverWorker(), (error) => {
      if (!closing) rejectFailed(error);
    });
    try {
      loop.pooled.worker.postMessage(message);
    } catch (cause) {
      // Nothing was handed over: the worker never saw this run.
      loop.abandon();
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `The ${role} loop's ioOptions and loop options must be structured-clonable: ${String((cause as Error)?.message ?? cause)}`, { cause });
    }
    if (!referenced) loop.pooled.worker.unref();
    runs.push(loop);
    return loop;
  };

  let closePromise: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      Atomics.store(control, DriverControl.STOP, 1);
      Atomics.notify(control, DriverControl.STOP);
      options.writeEvent.set();
      options.readEvent.set();
      try {
        options.onStop?.();
      } finally {
        await Promise.all(runs.map((loop) => loop.stop(options.stopTimeoutMs ?? 2000)));
      }
    })();
    return closePromise;
  };

  const starting: Promise<void>[] = [];
  try {
    if (options.producer) starting.push(start('producer', options.producer, options.readEvent).ready);
    if (options.consumer) starting.push(start('consumer', options.consumer, options.writeEvent).ready);
    const startTimeoutMs = options.startTimeoutMs ?? 15_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new WintunError('ERR_WINTUN_WORKER_FAILED', `The driver workers did not start within ${startTimeoutMs} ms (an I/O module's factory did not return).`)),
        startTimeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all(starting), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } catch (error) {
    // close() waits for every loop to end (a stuck one is terminated after stopTimeoutMs).
    await close();
    throw error;
  }
  return {
    control,
    failed,
    close,
    unref() {
      referenced = false;
      for (const loop of runs) loop.unref();
    },
    ref() {
      referenced = true;
      for (const loop of runs) loop.ref();
    },
  };
}

let runCounter = 0;

/** Checks every option of {@link startDriverWorkers} before anything starts. */
function checkDriverWorkersOptions(value: unknown): asserts value is StartDriverWorkersOptions {
  const what = 'startDriverWorkers';
  checkRequiredOptions(what, value);
  const options = value as Loose<StartDriverWorkersOptions>;
  checkRingMemoryArgument(what, options.memory);
  checkLayoutShape(what, options.layout);
  const size = ringPairSize(options.layout as never);
  const memoryBytes = (options.memory as { byteLength: number }).byteLength;
  checkInteger(what, 'options.byteOffset', options.byteOffset, 0, Math.max(0, memoryBytes - size), true);
  if (size > memoryBytes) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: the ring pair needs ${size} bytes; options.memory has ${memoryBytes}.`);
  }
  checkEventArgument(what, 'options.readEvent', options.readEvent);
  checkEventArgument(what, 'options.writeEvent', options.writeEvent);
  checkLoopSpec(what, 'options.producer', options.producer, checkProducerLoopOptions);
  checkLoopSpec(what, 'options.consumer', options.consumer, checkConsumerLoopOptions);
  checkDuration(what, 'options.stopTimeoutMs', options.stopTimeoutMs);
  checkDuration(what, 'options.startTimeoutMs', options.startTimeoutMs);
  checkOptionalFunction(what, 'options.onStop', options.onStop);
}

/**
 * One loop running on a pooled worker: tracks its `ready`/`done`/`failed` reports and the thread's
 * exit, and hands the worker back to the pool (or terminates it) once the loop is over.
 */
class LoopRun {
  readonly ready: Promise<void>;
  /** Settles once the loop is over and the thread no longer touches anything of this run. */
  readonly ended: Promise<void>;
  readonly pooled: PooledWorker;
  #isReady = false;
  #isEnded = false;
  #released = false;
  #resolveReady!: () => void;
  #rejectReady!: (error: unknown) => void;
  #resolveEnded!: () => void;
  readonly #onMessage: (report: DriverRunReport) => void;
  readonly #onError: (cause: unknown) => void;
  readonly #onExit: (code: number) => void;

  constructor(
    readonly role: 'producer' | 'consumer',
    readonly run: number,
    pooled: PooledWorker,
    onFailure: (error: WintunError) => void,
  ) {
    this.pooled = pooled;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.ended = new Promise<void>((resolve) => {
      this.#resolveEnded = resolve;
    });
    const fail = (error: WintunError): void => {
      if (!this.#isReady) this.#rejectReady(error);
      else if (!this.#isEnded) onFailure(error);
    };
    this.#onMessage = (report) => {
      if (report?.run !== run) return;
      if (report.type === 'ready') {
        this.#isReady = true;
        this.#resolveReady();
      } else if (report.type === 'done') {
        this.#end(false);
      } else if (report.type === 'failed') {
        fail(new WintunError('ERR_WINTUN_WORKER_FAILED', `The ${role} driver worker failed: ${report.message}`, { cause: report }));
        this.#end(true);
      }
    };
    this.#onError = (cause) => {
      fail(new WintunError('ERR_WINTUN_WORKER_FAILED', `The ${role} driver worker failed: ${String((cause as Error)?.message ?? cause)}`, { cause }));
    };
    this.#onExit = (code) => {
      // The thread is gone: nothing of this run can be touched any more.
      fail(new WintunError('ERR_WINTUN_WORKER_FAILED', `The ${role} driver worker exited with code ${code}.`));
      this.#isEnded = true;
      this.#detach();
      this.#resolveEnded();
    };
    pooled.worker.on('message', this.#onMessage);
    pooled.worker.on('error', this.#onError);
    pooled.worker.once('exit', this.#onExit);
  }

  #detach(): void {
    const w = this.pooled.worker;
    w.off('message', this.#onMessage);
    w.off('error', this.#onError);
    w.off('exit', this.#onExit);
  }

  /** The loop reported its end (`done`, or `failed`: then the thread is not reused). */
  #end(discard: boolean): void {
    if (this.#isEnded) return;
    if (!this.#isReady) this.#rejectReady(new WintunError('ERR_WINTUN_WORKER_FAILED', `The ${this.role} driver worker ended before it was ready.`));
    this.#isEnded = true;
    this.#detach();
    if (this.#released) {
      // Being terminated after a stop timeout, but the loop did report its end: nothing of this
      // run is touched any more.
      this.#resolveEnded();
      return;
    }
    this.#released = true;
    if (discard) void discardDriverWorker(this.pooled).then(() => this.#resolveEnded());
    else {
      releaseDriverWorker(this.pooled);
      this.#resolveEnded();
    }
  }

  /** The run was never handed to the worker: return the worker to the pool untouched. */
  abandon(): void {
    this.#isEnded = true;
    this.#released = true;
    this.#detach();
    releaseDriverWorker(this.pooled);
    this.#resolveEnded();
  }

  unref(): void {
    if (!this.#isEnded) this.pooled.worker.unref();
  }

  ref(): void {
    if (!this.#isEnded) this.pooled.worker.ref();
  }

  /**
   * Waits up to `timeoutMs` for the loop to end after the stop flag was set; then terminates the
   * thread. Resolves once the loop is over for sure (reported, or the thread gone).
   */
  async stop(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const inTime = await Promise.race([
      this.ended.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (inTime) return;
    this.#released = true;
    await discardDriverWorker(this.pooled);
    await this.ended;
  }
}
