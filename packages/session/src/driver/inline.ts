/**
 * The driver side of a session run on the session's own thread, on its event loop, with no worker
 * ("inline" I/O): the Send-ring producer runs when a readiness watcher (libuv polling a TUN fd, in
 * the Linux backend) says the source is readable, and the Receive-ring consumer runs synchronously
 * inside the session's send, when the session sets the write event. One thread does what the C
 * reflector does (poll, read, write): no cross-thread wake-up on the packet path.
 *
 * {@link startInlineDriver} is the driver; {@link startSessionWithInlineDriver} the whole start of
 * a session over it (the counterpart of `startSessionWithDriverWorkers`).
 *
 * @module
 */
import { RING_EOF, ReceiveRingConsumer, SendRingProducer, WintunError, createRingPair } from '@wintun-ts/ring';
import type { RingMemory, RingPair, RingPairLayout, TunRing } from '@wintun-ts/ring';
import { InlineEvent } from '../events/inline.js';
import { Session } from '../session.js';
import type { DriverLink, SessionOptions } from '../session.js';
import { parseOptions } from '../session/options.js';
import { describe, invalid } from '../session/core.js';
import { DriverControl, SOURCE_OVERSIZE, createDriverControl } from './loops.js';
import type { PacketSink, PacketSource } from './loops.js';
import { checkSessionStartOptions, driverStatsView, startSessionOverDriver } from './start-session.js';
import {
  checkFunction,
  checkInteger,
  checkMethodObject,
  checkOptionalFunction,
  checkOptionsBag,
  checkRequiredOptions,
  checkRingArgument,
} from './check.js';

/**
 * A running readiness watch (e.g. a libuv poll handle on an fd), as returned by an
 * {@link InlineWatch}. Main thread only.
 */
export interface InlineReadiness {
  /**
   * Stops the watch for good: no callback runs after it returns (for an fd: `uv_poll_stop`, then
   * close the handle), so the caller may close what was watched right after. Idempotent.
   */
  stop(): void;
  /** Makes the watch keep the process alive (the default). */
  ref(): void;
  /** Lets the process exit while the watch runs. */
  unref(): void;
}

/**
 * Starts watching the packet source: calls `onReady(false)` whenever the source may have packets
 * to read (level triggered: again on the next event-loop turn while packets remain), and
 * `onReady(true)` when the source is gone for good (a poll error). Must not call `onReady`
 * synchronously from inside this call.
 */
export type InlineWatch = (onReady: (gone: boolean) => void) => InlineReadiness;

/** Tuning of the inline producer (the same meaning as in `ProducerLoopOptions`). */
export interface InlineProducerOptions {
  /**
   * Room of every read: the largest packet the source may return whole (default 0xFFFF). A longer
   * one is dropped and counted in `OVERSIZE_DROPS`, never truncated.
   */
  readonly maxPacketSize?: number | undefined;
  /**
   * Most reads per readiness callback (default 256): the producer publishes Tail and returns to
   * the event loop after this many, so a flood cannot starve the loop; a level-triggered watch
   * comes back on the next turn.
   */
  readonly batchLimit?: number | undefined;
}

/** What an inline driver runs: a source with its watch (the producer), a sink (the consumer). */
export interface InlineDriverSpec {
  /**
   * Where the producer reads packets. Called only from the watch's callback, with `timeoutMs` 0
   * (it must never wait: it runs on the event loop); a return of 0 ends the batch. To end the
   * session as a vanished device does, set `DriverControl.CLOSE_SEND` (and `DEVICE_GONE`) in the
   * control block and return 0. Null: no producer.
   */
  readonly source?: PacketSource | null | undefined;
  /** Readiness of `source`; required with a source. */
  readonly watch?: InlineWatch | undefined;
  /**
   * Where the consumer delivers the packets userspace sent; called synchronously inside the
   * session's send (it must never block). Setting `DriverControl.ABORT_RECEIVE` in the control
   * block aborts the Receive ring after the current packet. Null: no consumer.
   */
  readonly sink?: PacketSink | null | undefined;
  /** Producer tuning. */
  readonly producer?: InlineProducerOptions | undefined;
}

/** Options of {@link startInlineDriver}. */
export interface StartInlineDriverOptions extends InlineDriverSpec {
  /** The ring pair (Send ring: producer; Receive ring: consumer). */
  readonly rings: RingPair;
  /** The read event (Send ring TailMoved): the producer sets it on every Tail move. */
  readonly readEvent: InlineEvent;
  /** The control block for stop flags and counters ({@link DriverControl}); default a new one. */
  readonly control?: Int32Array | undefined;
}

/**
 * A running inline driver. Implements {@link DriverLink}, so it can be handed to a `Session`.
 * Main thread only.
 */
export interface InlineDriver extends DriverLink {
  /** The control block (stop flag, commands, counters: {@link DriverControl}). */
  readonly control: Int32Array;
  /**
   * The write event to give the session: its `set()` runs the consumer synchronously (drains the
   * Receive ring into the sink, then re-arms Alertable).
   */
  readonly writeEvent: InlineEvent;
  /**
   * Rejects with `ERR_WINTUN_WORKER_FAILED` when the source, the sink or the watch failed (an
   * exception from the source or sink): the driver then stops. Never rejects after close.
   */
  readonly failed: Promise<never>;
  /**
   * Stops both roles: sets the stop flag, stops the watch (no callback after this), calls the
   * source's and sink's `close()`. Resolves at once (nothing runs elsewhere). Idempotent.
   */
  close(): Promise<void>;
  /** Lets the process exit while the watch runs. Idempotent. */
  unref(): void;
  /** Undoes {@link InlineDriver.unref}. Idempotent. */
  ref(): void;
}

function checkInlineSpec(what: string, spec: unknown): asserts spec is InlineDriverSpec {
  checkRequiredOptions(what, spec);
  const s = spec as { source?: unknown; sink?: unknown; watch?: unknown; producer?: unknown };
  if (s.source != null) checkMethodObject(what, 'source', s.source, 'read');
  if (s.sink != null) checkMethodObject(what, 'sink', s.sink, 'write');
  if (s.source != null) checkFunction(what, 'watch', s.watch);
  else checkOptionalFunction(what, 'watch', s.watch);
  checkOptionsBag(`${what}: producer`, s.producer);
  const p = (s.producer ?? {}) as { maxPacketSize?: unknown; batchLimit?: unknown };
  checkInteger(what, 'producer.maxPacketSize', p.maxPacketSize, 1, 0xffff, true);
  checkInteger(what, 'producer.batchLimit', p.batchLimit, 1, 0x7fffffff, true);
}

/**
 * Starts the driver side of a session on the calling thread. The consumer arms the Receive ring
 * at once (Alertable = 1, so every commit of the session signals the write event) and from then on
 * runs inside each `writeEvent.set()`: it hands every IP packet of the Receive ring to the sink in
 * order, releases it, and re-arms (Alertable = 1 with a full fence, then re-checks Tail, as the
 * driver's `prepareWait`). The producer starts the watch and on each readiness callback reads up to
 * `batchLimit` packets straight into Send-ring memory (through a bounce buffer when less than
 * `maxPacketSize` is free; a packet that does not fit is dropped and counted), then publishes Tail
 * and sets the read event, exactly as `runProducerLoop` does per batch.
 *
 * Nothing of the driver ever throws into the session's calls: an exception of the source, sink or
 * watch stops the driver and rejects {@link InlineDriver.failed} (the session then fails, as when
 * a driver worker fails). Counters go to the control block as with the worker loops, but with
 * plain typed-array reads and writes on the packet path (the block is this thread's alone: V8
 * runs each `Atomics` call as a builtin call, nine per reflected packet here), `Atomics` only on
 * the rare stop and failure paths.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a malformed option (checked before anything
 *   starts); whatever `watch` throws when it starts (nothing is left running then).
 */
export function startInlineDriver(options: StartInlineDriverOptions): InlineDriver {
  const what = 'startInlineDriver';
  checkInlineSpec(what, options);
  const { rings, readEvent } = options;
  if (typeof rings !== 'object' || rings === null) invalid(`${what}: options.rings must be a RingPair, got ${describe(rings)}.`);
  checkRingArgument(what, rings.send);
  checkRingArgument(what, rings.receive);
  if (!(readEvent instanceof InlineEvent)) invalid(`${what}: options.readEvent must be an InlineEvent, got ${describe(readEvent)}.`);
  const control = options.control ?? createDriverControl();
  const source = options.source ?? null;
  const sink = options.sink ?? null;
  const max = options.producer?.maxPacketSize ?? 0xffff;
  const batchLimit = options.producer?.batchLimit ?? 256;

  let stopped = false;
  let referenced = true;
  let rejectFailed!: (error: unknown) => void;
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => undefined);
  let watch: InlineReadiness | null = null;
  let closed = false;

  const stopWatch = (): void => {
    const w = watch;
    watch = null;
    w?.stop();
  };
  const closeIo = (): void => {
    try {
      source?.close?.();
    } finally {
      sink?.close?.();
    }
  };
  const fail = (role: 'producer' | 'consumer', cause: unknown): void => {
    if (stopped) return;
    stopped = true;
    Atomics.store(control, DriverControl.STOP, 1);
    try {
      stopWatch();
    } catch {
      // The failure below is what the session reports.
    }
    const message = String((cause as Error | null)?.message ?? cause);
    rejectFailed(new WintunError('ERR_WINTUN_WORKER_FAILED', `The inline driver's ${role} failed: ${message}`, { cause }));
  };

  // ------------------------------------------------------------------ consumer (Receive ring)
  const consumer = sink === null ? null : new ReceiveRingConsumer(rings.receive);
  let consumerDone = consumer === null;
  let draining = false;
  let again = false;
  const endConsumer = (): void => {
    consumerDone = true;
    Atomics.store(control, DriverControl.CONSUMER_DONE, 1);
  };
  const drainOnce = (c: ReceiveRingConsumer, s: PacketSink, bytes: Uint8Array): void => {
    let consumed = 0;
    try {
      for (;;) {
        const offset = c.next();
        if (offset < 0) {
          if (offset === RING_EOF) {
            endConsumer();
            return;
          }
          // Empty: re-arm (Alertable = 1, full fence, re-read Tail). Nothing else runs on this
          // thread, so the ring stays empty; a false would mean data arrived: take it.
          if (c.prepareWait()) {
            control[DriverControl.WAITS]! += 1;
            return;
          }
          continue;
        }
        try {
          s.write(bytes, offset, c.lastSize);
        } finally {
          c.release();
        }
        consumed++;
        if (control[DriverControl.ABORT_RECEIVE] !== 0) {
          c.abort();
          endConsumer();
          return;
        }
        if (stopped) return;
      }
    } finally {
      if (consumed > 0) control[DriverControl.CONSUMED]! += consumed;
      control[DriverControl.DISCARDS] = c.discardedPackets;
    }
  };
  const drain = (): void => {
    if (stopped || consumerDone || consumer === null || sink === null) return;
    if (draining) {
      // A set() from inside the sink: the running drain picks it up.
      again = true;
      return;
    }
    draining = true;
    control[DriverControl.WAKEUPS]! += 1;
    try {
      do {
        again = false;
        drainOnce(consumer, sink, rings.receive.bytes);
      } while (again && !stopped && !consumerDone);
    } catch (error) {
      endConsumer();
      fail('consumer', error);
    } finally {
      draining = false;
    }
  };
  const writeEvent = new InlineEvent(drain);

  // ------------------------------------------------------------------ producer (Send ring)
  const producer = source === null ? null : new SendRingProducer(rings.send);
  let bounce: Uint8Array | null = null;
  const endSend = (gone: boolean): void => {
    if (gone) Atomics.store(control, DriverControl.DEVICE_GONE, 1);
    Atomics.store(control, DriverControl.PRODUCER_DONE, 1);
    stopWatch();
    // As unregistration does: end the Send ring (Tail = 0xFFFFFFFF) and signal it.
    producer?.close();
    readEvent.set();
  };
  const produce = (p: SendRingProducer, s: PacketSource, send: TunRing): void => {
    const bytes = send.bytes;
    let batch = 0;
    let sourceClosed = false;
    try {
      for (let reads = 0; reads < batchLimit; reads++) {
        const offset = p.reserve(max);
        let n: number;
        if (offset >= 0) {
          n = s.read(bytes, offset, max, 0);
          if (n > 0) {
            p.commitRecord(offset, n);
            batch++;
          }
        } else {
          // Less than `max` free (or the ring ended): read into the bounce buffer, then copy the
          // packet in if its own record fits; else drop it (the driver never waits for room).
          bounce ??= new Uint8Array(max);
          n = s.read(bounce, 0, max, 0);
          if (n > 0) {
            const at = offset === RING_EOF ? offset : p.reserve(n);
            if (at >= 0) {
              bytes.set(bounce.subarray(0, n), at);
              p.commitRecord(at, n);
              batch++;
            } else {
              Atomics.add(control, DriverControl.PRODUCER_DROPS, 1);
            }
          }
        }
        if (n === SOURCE_OVERSIZE) {
          Atomics.add(control, DriverControl.OVERSIZE_DROPS, 1);
          continue;
        }
        if (n < 0) sourceClosed = true;
        if (n <= 0 || stopped || control[DriverControl.CLOSE_SEND] !== 0) break;
      }
    } finally {
      if (p.publish()) {
        control[DriverControl.PRODUCED]! += batch;
        control[DriverControl.READ_SIGNALS]! += 1;
        readEvent.set();
      }
    }
    if (control[DriverControl.CLOSE_SEND] !== 0) endSend(false);
    else if (sourceClosed) {
      // As runProducerLoop: a closed source ends the producer (the session keeps its data).
      Atomics.store(control, DriverControl.PRODUCER_DONE, 1);
      stopWatch();
    }
  };
  const onReady = (gone: boolean): void => {
    if (stopped || producer === null || source === null || watch === null) return;
    try {
      if (gone) endSend(true);
      else produce(producer, source, rings.send);
    } catch (error) {
      fail('producer', error);
    }
  };

  // ------------------------------------------------------------------ start
  if (consumer !== null && !consumer.prepareWait()) drain();
  if (producer !== null) {
    try {
      watch = options.watch!(onReady);
    } catch (error) {
      stopped = true;
      Atomics.store(control, DriverControl.STOP, 1);
      closeIo();
      throw error;
    }
  }

  return {
    control,
    writeEvent,
    failed,
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      stopped = true;
      Atomics.store(control, DriverControl.STOP, 1);
      try {
        stopWatch();
      } finally {
        closeIo();
      }
      return Promise.resolve();
    },
    unref() {
      referenced = false;
      watch?.unref();
    },
    ref() {
      if (referenced) return;
      referenced = true;
      watch?.ref();
    },
  };
}

/** What {@link startSessionWithInlineDriver} has set up when it asks for the driver spec. */
export interface InlineDriverSetup {
  /** The freshly allocated ring memory (owned by the session once it exists). */
  readonly memory: RingMemory;
  /** The ring pair in `memory` (Send ring at offset 0, Receive ring right after). */
  readonly rings: RingPair;
  /** The control block the driver counts in (the session's `driverStats` reads it). */
  readonly control: Int32Array;
}

/** Options of {@link startSessionWithInlineDriver}. */
export interface StartSessionWithInlineDriverOptions {
  /** Capacities of the ring pair. */
  readonly layout: RingPairLayout;
  /** Ring memory kind, passed to `allocateRingMemory`: `'native'` or `'shared'`. */
  readonly memory: 'native' | 'shared';
  /**
   * Called once the memory, the rings and the control block exist: returns the source, its watch
   * and the sink. It may do the caller's own setup (it runs in order, on this thread); if it
   * throws, the memory is freed and the error rethrown.
   */
  readonly driver: (setup: InlineDriverSetup) => InlineDriverSpec;
  /**
   * Called once after the driver stopped for good (the watch is stopped: nothing reads or writes
   * any more): when the session closes its link, or when the start fails after `driver` returned.
   * Release what the driver side held here (a device, fds).
   */
  readonly onClose?: (() => void | Promise<void>) | undefined;
  /**
   * Options of the session (the old-driver guard defaults to off). `spin` is forced off: while the thread spins, nothing else can move
   * the Tail (the producer runs on this same thread), so a spin could never pay.
   */
  readonly session?: SessionOptions | undefined;
}

/** What {@link startSessionWithInlineDriver} started. Main thread only. */
export interface SessionWithInlineDriver extends InlineDriverSetup {
  /** The session: it owns the memory, the events and the link; closing it stops the driver. */
  readonly session: Session;
  /** The running inline driver. Stopped by the session's close. */
  readonly driver: InlineDriver;
  /** The read event (Send ring TailMoved), an {@link InlineEvent}. */
  readonly readEvent: InlineEvent;
  /** The write event (Receive ring TailMoved): its `set()` runs the consumer. */
  readonly writeEvent: InlineEvent;
}

/**
 * Starts a session whose driver side runs inline, on this thread's event loop (no worker):
 * allocates the ring memory for `layout`, lays out the ring pair, starts {@link startInlineDriver}
 * with what `options.driver` returns, and builds a {@link Session} over it whose link (closed
 * once, by `Session.close`) stops the driver, then calls `options.onClose`; the session frees the
 * memory last. The session's spin is forced off (see `options.session`); its `driverStats` is a
 * live view of the control block; `Session.unref()` unrefs the watch.
 *
 * Resolves after the start (a promise for symmetry with `startSessionWithDriverWorkers`; nothing
 * waits).
 *
 * @throws WintunError (rejection) `ERR_WINTUN_INVALID_ARGUMENT` (a malformed option, checked
 *   before anything is allocated), `ERR_WINTUN_INVALID_CAPACITY` (bad layout),
 *   `ERR_WINTUN_FFI_UNAVAILABLE` (`memory: 'native'` without koffi), and whatever
 *   `options.driver` or the watch throws.
 */
export async function startSessionWithInlineDriver(options: StartSessionWithInlineDriverOptions): Promise<SessionWithInlineDriver> {
  checkSessionStartOptions('startSessionWithInlineDriver', options, 'driver');
  // The inline consumer has the fence: nothing to guard (the guard can still be asked for).
  const sessionOptions: SessionOptions = { oldDriverGuard: false, ...options.session, spin: false };
  parseOptions(sessionOptions);
  const { prepared, driver, memory, session } = await startSessionOverDriver(options.layout, options.memory, options.onClose, sessionOptions, {
    prepare: (memory) => {
      const rings = createRingPair(memory, options.layout);
      const readEvent = new InlineEvent();
      const control = createDriverControl();
      return { rings, readEvent, control, spec: options.driver({ memory, rings, control }) };
    },
    launch: ({ rings, readEvent, control, spec }) => startInlineDriver({ ...spec, rings, readEvent, control }),
    backend: ({ rings, readEvent, control }, driver) => ({ rings, readEvent, writeEvent: driver.writeEvent, driverStats: driverStatsView(control) }),
  });
  const { rings, readEvent, control } = prepared;
  return { memory, rings, control, session, driver, readEvent, writeEvent: driver.writeEvent };
}
