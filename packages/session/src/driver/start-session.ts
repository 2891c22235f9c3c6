/**
 * {@link startSessionWithDriverWorkers}: the whole start of a session whose driver side runs in
 * worker threads (the Linux backend, the in-memory test driver): ring memory, ring pair, events,
 * driver workers, and a {@link Session} whose link stops the workers.
 *
 * @module
 */
import { allocateRingMemory, createRingPair, ringPairSize } from '@wintun-ts/ring';
import type { RingMemory, RingPair, RingPairLayout } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import { createSharedEvents } from '../events/open.js';
import type { SharedEvent } from '../events/shared.js';
import { Session } from '../session.js';
import type { SessionOptions } from '../session.js';
import { startDriverWorkers } from './host.js';
import type { DriverWorkers, StartDriverWorkersOptions } from './host.js';

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
   * Called when the session closes its link, after the workers stopped (also when stopping them
   * failed): release what the driver side held (a device, queues). Runs once.
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
 * last. If anything fails before the session exists, the memory is freed and the error rethrown.
 *
 * @throws WintunError (rejection) `ERR_WINTUN_INVALID_CAPACITY` (bad layout),
 *   `ERR_WINTUN_FFI_UNAVAILABLE` (`memory: 'native'` without koffi), `ERR_WINTUN_WORKER_FAILED`
 *   (a worker failed to start), and whatever `options.workers` throws.
 */
export async function startSessionWithDriverWorkers(options: StartSessionWithDriverWorkersOptions): Promise<SessionWithDriverWorkers> {
  const { layout } = options;
  const memory = allocateRingMemory(ringPairSize(layout), { kind: options.memory });
  let workers: DriverWorkers;
  let setup: DriverWorkersSetup;
  try {
    const rings = createRingPair(memory, layout);
    const [readEvent, writeEvent] = createSharedEvents(2) as [SharedEvent, SharedEvent];
    setup = { memory, rings, readEvent, writeEvent };
    workers = await startDriverWorkers({ ...options.workers(setup), memory, layout, readEvent, writeEvent });
  } catch (error) {
    memory.free();
    throw error;
  }
  const { onClose } = options;
  let closed: Promise<void> | null = null;
  const link = {
    failed: workers.failed,
    close: (): Promise<void> =>
      (closed ??= (async () => {
        try {
          await workers.close();
        } finally {
          await onClose?.();
        }
      })()),
  };
  const session = new Session({ rings: setup.rings, readEvent: setup.readEvent, writeEvent: setup.writeEvent, link, memory }, options.session);
  return { ...setup, session, workers };
}
