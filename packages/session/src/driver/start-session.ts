/**
 * {@link startSessionWithDriverWorkers}: the whole start of a session whose driver side runs in
 * worker threads (the Linux backend, the in-memory test driver): ring memory, ring pair, events,
 * driver workers, and a {@link Session} whose link stops the workers.
 *
 * @module
 */
import { allocateRingMemory, createRingPair, ringPairSize } from '@wintun-ts/ring';
import type { RingMemory, RingPair, RingPairLayout } from '@wintun-ts/ring';
import type { DriverLink, SessionBackend } from '../session/types.js';
import type { AutoResetEvent } from '../events/types.js';
import { createSharedEvents } from '../events/open.js';
import type { SharedEvent } from '../events/shared.js';
import { Session } from '../session.js';
import type { SessionOptions } from '../session.js';
import { startDriverWorkers } from './host.js';
import { DriverControl } from './loops.js';
import type { DriverStats } from './stats.js';
import type { DriverWorkers, StartDriverWorkersOptions } from './host.js';
import { parseOptions } from '../session/options.js';
import { describe, invalid } from '../session/core.js';
import { checkControl, checkFunction, checkLayoutShape, checkOptionalFunction, checkOptionsBag, checkRequiredOptions } from './check.js';

/** What {@link startSessionWithDriverWorkers} has set up when it asks for the worker specs. */
export interface DriverWorkersSetup {
  /** The freshly allocated ring memory (owned by the session once it exists). */
  readonly memory: RingMemory;
  /** The ring pair in `memory` (Send ring at offset 0, Receive ring right after). */
  readonly rings: RingPair;
  /** Send ring TailMoved (a shared event): the producer sets it. */
  readonly readEvent: AutoResetEvent;
  /** Receive ring TailMoved (a shared event): the consumer waits on it. */
  readonly writeEvent: AutoResetEvent;
}

/** The part of {@link StartDriverWorkersOptions} a caller of {@link startSessionWithDriverWorkers} chooses. */
export type DriverWorkersSpec = Omit<StartDriverWorkersOptions, 'memory' | 'layout' | 'byteOffset' | 'readEvent' | 'writeEvent'>;

/** Options of {@link startSessionWithDriverWorkers}. */
export interface StartSessionWithDriverWorkersOptions {
  /** Capacities of the ring pair. */
  readonly layout: RingPairLayout;
  /** Ring memory kind, passed to `allocateRingMemory`: `'native'` or `'shared'`. */
  readonly memory: 'native' | 'shared';
  /**
   * Called once the memory, the rings and the events exist, right before the workers start:
   * returns the loops to run (I/O modules, options, `onStop`). It may do the caller's own setup
   * (it runs in order, on the main thread); if it throws, the memory is freed and the error is
   * rethrown.
   */
  readonly workers: (setup: DriverWorkersSetup) => DriverWorkersSpec;
  /**
   * Called once after the driver loops stopped for good: when the session closes its link (also
   * when stopping the workers failed), or when the start fails after `workers` returned (the loops
   * that were started are stopped first). Release what the driver side held here (a device, fds
   * handed to the loops, queues): no loop can touch it any more.
   */
  readonly onClose?: (() => void | Promise<void>) | undefined;
  /** Options of the session. */
  readonly session?: SessionOptions | undefined;
}

/** What {@link startSessionWithDriverWorkers} started. Main thread only. */
export interface SessionWithDriverWorkers extends DriverWorkersSetup {
  /** The session: it owns the memory, the events and the link; closing it stops the workers. */
  readonly session: Session;
  /** The running driver workers (control block, failure promise). Stopped by the session's close. */
  readonly workers: DriverWorkers;
}

/**
 * Starts a session whose driver side runs in worker threads: allocates the ring memory for
 * `layout`, lays out the ring pair, creates two shared auto-reset events, starts the driver workers
 * returned by `options.workers`, and builds a {@link Session} over it all whose link (closed once,
 * by `Session.close`) stops the workers, then calls `options.onClose`. The session frees the memory
 * last. If anything fails before the session exists, the started loops are stopped, `onClose` runs
 * (when `workers` had returned), the memory is freed and the error rethrown. The session's
 * `driverStats` is a live view of the loops' counters ({@link driverStatsView}); `Session.unref()`
 * unrefs the worker threads.
 *
 * @throws WintunError (rejection) `ERR_WINTUN_INVALID_ARGUMENT` (a malformed option, the session's
 *   options included: checked before anything is allocated), `ERR_WINTUN_INVALID_CAPACITY` (bad layout),
 *   `ERR_WINTUN_FFI_UNAVAILABLE` (`memory: 'native'` without koffi), `ERR_WINTUN_WORKER_FAILED`
 *   (a worker failed to start), and whatever `options.workers` throws.
 */
export async function startSessionWithDriverWorkers(options: StartSessionWithDriverWorkersOptions): Promise<SessionWithDriverWorkers> {
  checkSessionStartOptions('startSessionWithDriverWorkers', options, 'workers');
  if (options.session !== undefined) parseOptions(options.session);
  const { prepared, driver: workers, session } = await startSessionOverDriver(options.layout, options.memory, options.onClose, options.session, {
    prepare: (memory): { setup: DriverWorkersSetup; spec: DriverWorkersSpec } => {
      const rings = createRingPair(memory, options.layout);
      const [readEvent, writeEvent] = createSharedEvents(2) as [SharedEvent, SharedEvent];
      const setup = { memory, rings, readEvent, writeEvent };
      return { setup, spec: options.workers(setup) };
    },
    // startDriverWorkers stops every loop it started before it rejects.
    launch: ({ setup, spec }) => startDriverWorkers({ ...spec, memory: setup.memory, layout: options.layout, readEvent: setup.readEvent, writeEvent: setup.writeEvent }),
    backend: ({ setup }, workers) => ({ rings: setup.rings, readEvent: setup.readEvent, writeEvent: setup.writeEvent, driverStats: driverStatsView(workers.control) }),
  });
  return { ...prepared.setup, session, workers };
}

/**
 * @internal Checks the options both session starts (`startSessionWithDriverWorkers`,
 * `startSessionWithInlineDriver`) share, before anything is allocated: the options object, the
 * layout, the memory kind, the caller's driver callback (`options[callback]`), `onClose`, the
 * session options bag.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` or `ERR_WINTUN_INVALID_CAPACITY`.
 */
export function checkSessionStartOptions(what: string, options: unknown, callback: string): void {
  checkRequiredOptions(what, options);
  const o = options as { layout?: unknown; memory?: unknown; onClose?: unknown; session?: unknown } & Record<string, unknown>;
  checkLayoutShape(what, o.layout);
  ringPairSize(o.layout as RingPairLayout);
  if (o.memory !== 'native' && o.memory !== 'shared') invalid(`${what}: options.memory must be 'native' or 'shared', got ${describe(o.memory)}.`);
  checkFunction(what, `options.${callback}`, o[callback]);
  checkOptionalFunction(what, 'options.onClose', o.onClose);
  checkOptionsBag(`${what}: options.session`, o.session);
}

/** @internal A started driver side, as {@link startSessionOverDriver} links a session to it. */
export interface StartedDriver {
  readonly failed: Promise<never>;
  close(): Promise<void>;
  unref(): void;
  ref(): void;
}

/** @internal How one kind of driver side starts, in the phases {@link startSessionOverDriver} runs. */
export interface DriverStartPhases<P, D extends StartedDriver> {
  /**
   * Lays out what the driver needs in `memory` and asks the caller for its part (the caller's
   * callback comes last): when it throws, the caller's `onClose` does not run.
   */
  prepare(memory: RingMemory): P;
  /** Starts the driver; when it throws or rejects, the caller's `onClose` runs. */
  launch(prepared: P): D | Promise<D>;
  /** The session's rings, events and driver counters over the started driver. */
  backend(prepared: P, driver: D): Pick<SessionBackend, 'rings' | 'readEvent' | 'writeEvent' | 'driverStats'>;
}

/**
 * @internal The start both session starts share: allocates the ring memory for `layout`, runs
 * `phases`, links a {@link Session} to the driver (the link, closed once by `Session.close`,
 * stops the driver, then calls `onClose`; the session frees the memory last). If anything fails
 * before the session exists, what was started is stopped, `onClose` runs (once `prepare` had
 * returned), the memory is freed and the error rethrown. Options were checked by the caller.
 */
export async function startSessionOverDriver<P, D extends StartedDriver>(
  layout: RingPairLayout,
  memoryKind: 'native' | 'shared',
  onClose: (() => void | Promise<void>) | undefined,
  sessionOptions: SessionOptions | undefined,
  phases: DriverStartPhases<P, D>,
): Promise<{ readonly memory: RingMemory; readonly prepared: P; readonly driver: D; readonly session: Session }> {
  let closed: Promise<void> | null = null;
  const runOnClose = (): Promise<void> => (closed ??= Promise.resolve().then(() => onClose?.()));
  const memory = allocateRingMemory(ringPairSize(layout), { kind: memoryKind });
  let prepared: { value: P } | null = null;
  let driver: D;
  try {
    prepared = { value: phases.prepare(memory) };
    driver = await phases.launch(prepared.value);
  } catch (error) {
    try {
      if (prepared !== null) await runOnClose();
    } finally {
      memory.free();
    }
    throw error;
  }
  const link: DriverLink = {
    failed: driver.failed,
    close: (): Promise<void> =>
      (closed ??= (async () => {
        try {
          await driver.close();
        } finally {
          await onClose?.();
        }
      })()),
    unref: () => driver.unref(),
    ref: () => driver.ref(),
  };
  let session: Session;
  try {
    session = new Session({ ...phases.backend(prepared.value, driver), link, memory }, sessionOptions);
  } catch (error) {
    // The options were checked; whatever else fails here must not leave the driver running.
    try {
      await link.close();
    } finally {
      memory.free();
    }
    throw error;
  }
  return { memory, prepared: prepared.value, driver, session };
}

/**
 * The live {@link DriverStats} of a driver control block ({@link DriverControl} slots), built once
 * per session. Every getter is an atomic load.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `control` is not a control block.
 */
export function driverStatsView(control: Int32Array): DriverStats {
  checkControl('driverStatsView', control);
  const get = (slot: number): number => Atomics.load(control, slot);
  return Object.freeze({
    get produced() {
      return get(DriverControl.PRODUCED);
    },
    get producerDrops() {
      return get(DriverControl.PRODUCER_DROPS);
    },
    get consumed() {
      return get(DriverControl.CONSUMED);
    },
    get discarded() {
      return get(DriverControl.DISCARDS);
    },
    get kernelDrops() {
      return get(DriverControl.KERNEL_DROPS);
    },
    get oversizeDrops() {
      return get(DriverControl.OVERSIZE_DROPS);
    },
    get deviceGone() {
      return get(DriverControl.DEVICE_GONE) !== 0;
    },
    get consumerSpins() {
      return get(DriverControl.SPINS);
    },
    get consumerSpinHits() {
      return get(DriverControl.SPIN_HITS);
    },
  });
}
