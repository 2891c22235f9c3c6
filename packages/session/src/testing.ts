/**
 * `@wintun-ts/session/testing`: an in-memory Wintun driver, so code that uses a {@link Session}
 * can be unit-tested with no adapter, no root and no Windows. The real ring protocol and events sit
 * between your code and the fake driver: {@link createTestDriver} runs the driver loops in worker
 * threads (as the Linux backend does), {@link createInThreadDriver} plays the driver synchronously
 * on the calling thread for fast, deterministic tests.
 *
 * @module @wintun-ts/session/testing
 * @group Subpaths
 */
import {
  ReceiveRingConsumer,
  SendRingProducer,
  WintunError,
  allocateRingMemory,
  createRingPair,
  ringPairSize,
} from '@wintun-ts/ring';
import type { RingMemory, RingPair, RingPairLayout } from '@wintun-ts/ring';
import { DriverControl } from './driver/loops.js';
import { startSessionWithDriverWorkers } from './driver/start-session.js';
import { createSharedEvents } from './events/open.js';
import type { AutoResetEvent } from './events/types.js';
import { Session } from './session.js';
import type { ReceiveOptions, SessionOptions } from './session.js';
import { PacketQueue } from './testing/queue.js';
import { workerUrl } from './worker-url.js';
import { checkChoice, checkDuration, checkFunction, checkInteger, checkOptionsBag } from './driver/check.js';
import type { Loose } from './driver/check.js';
import { parseOptions } from './session/options.js';
import { checkPacket, checkWaitOptions, invalid } from './session/core.js';

/** %TypedArray%: `instanceof` it catches typed arrays and the proxies and fakes that pose as one. */
const TypedArray = Object.getPrototypeOf(Uint8Array) as abstract new () => ArrayBufferView;

export { PacketQueue, queuePacketSink, queuePacketSource } from './testing/queue.js';
export type { PacketQueueDescriptor, PacketTransform } from './testing/queue.js';

/** Options of {@link createTestDriver} and {@link createInThreadDriver}. */
export interface TestDriverOptions {
  /** Capacity of both rings (power of two, 0x20000..0x4000000). Default 0x100000 (1 MiB). */
  readonly capacity?: number | undefined;
  /** Capacity of the Send ring (driver -> session); overrides `capacity`. */
  readonly sendCapacity?: number | undefined;
  /** Capacity of the Receive ring (session -> driver); overrides `capacity`. */
  readonly receiveCapacity?: number | undefined;
  /** Ring memory kind: `'shared'` (default, works everywhere) or `'native'` (koffi). */
  readonly memory?: 'shared' | 'native' | undefined;
  /** Options of the session under test. */
  readonly session?: SessionOptions | undefined;
}

/** Options of {@link createTestDriver} only (the worker driver). */
export interface WorkerTestDriverOptions extends TestDriverOptions {
  /** Bytes of each packet queue between the main thread and the driver workers. Default 4 MiB. */
  readonly queueBytes?: number | undefined;
  /** Largest packet the driver reads from `inject` (it reserves this much per packet). Default 0xFFFF. */
  readonly maxPacketSize?: number | undefined;
  /** `'fenced'` (the fixed driver, default) or `'old-driver'` (0.14.1's missed wake-up race). */
  readonly driverMode?: 'fenced' | 'old-driver' | undefined;
  /** In `'old-driver'` mode, microseconds between the driver's Tail read and its Alertable store. */
  readonly raceWindowUs?: number | undefined;
  /** Driver-side spin before the alertable wait, in microseconds. Default 100 (Wintun's). */
  readonly driverSpinUs?: number | undefined;
  /** Bound of every driver-side wait in milliseconds. Default 50. */
  readonly driverWaitMs?: number | undefined;
}

/** Counters of the fake driver (read live from shared memory). */
export interface TestDriverStats {
  /** Packets the driver put into the Send ring. */
  readonly produced: number;
  /** Injected packets the driver dropped because the Send ring was full. */
  readonly producerDrops: number;
  /** Packets the driver took from the Receive ring. */
  readonly consumed: number;
  /** Non-IP records the driver discarded. */
  readonly discarded: number;
  /** Times the driver slept on the write event. */
  readonly waits: number;
  /** Driver sleeps that ended with a signal. */
  readonly wakeups: number;
  /** Driver sleeps that ended by timeout. */
  readonly waitTimeouts: number;
  /** Driver sleeps that timed out with data pending and no signal: missed wake-ups. */
  readonly missedWakeups: number;
}

/**
 * An in-memory Wintun driver running in worker threads, wired to a real {@link Session}.
 * Main thread only. Close it (or its session) at the end of each test: the workers stop and the
 * process can exit.
 */
export interface TestDriver extends AsyncDisposable {
  /** The session under test: use it as your code would use one from `Adapter.startSession`. */
  readonly session: Session;
  /**
   * Queues one packet for the driver to put into the Send ring (as if Windows routed it into the
   * tunnel). The session receives it shortly after.
   *
   * @returns false when the injection queue is full or the driver is closed (nothing queued).
   */
  inject(packet: Uint8Array): boolean;
  /**
   * Injects packets in order until the queue is full (an endless iterable is fine: it is consumed
   * lazily). @returns how many were queued.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `packets` is not an iterable of
   *   `Uint8Array`s: for an array before anything is queued, for another iterable at the bad packet.
   */
  injectMany(packets: Iterable<Uint8Array>): number;
  /**
   * The packets the session sent, in wire order, as copies. Iteration ends when the driver is
   * closed. Packets go to `onSend` subscribers instead while any exist.
   */
  readonly sent: AsyncIterableIterator<Uint8Array>;
  /**
   * Waits for the next packet the session sent.
   *
   * @throws WintunError (rejection) `ERR_WINTUN_TIMEOUT`, `ERR_WINTUN_ABORTED`, `ERR_WINTUN_CLOSED`.
   */
  nextSent(options?: ReceiveOptions): Promise<Uint8Array>;
  /** Returns (and removes) every sent packet received so far, without waiting. */
  takeSent(): Uint8Array[];
  /**
   * Calls `callback` for every packet the session sends from now on (on the main thread, in wire
   * order). While at least one subscriber exists, sent packets are not buffered for `sent`.
   *
   * @returns a function that unsubscribes.
   */
  onSend(callback: (packet: Uint8Array) => void): () => void;
  /** Driver-side counters. */
  readonly stats: TestDriverStats;
  /** Unregisters as the real driver does on adapter removal: Send ring Tail = 0xFFFFFFFF, read event set (edge 26). */
  endSession(): void;
  /** Aborts the Receive ring as the driver does on corruption: Head = 0xFFFFFFFF. */
  abortReceive(): void;
  /**
   * Lets the process exit while the driver runs (its worker threads stop keeping it alive), as
   * `Session.unref()` does for the session. Idempotent.
   */
  unref(): void;
  /** Undoes {@link TestDriver.unref}. Idempotent. */
  ref(): void;
  /** Closes the session (which stops the driver workers and frees the rings). Idempotent. */
  close(): Promise<void>;
}

/** Checks the options shared by both test drivers (before anything is allocated). */
function checkTestDriverOptions(what: string, options: unknown): asserts options is TestDriverOptions {
  checkOptionsBag(what, options);
  const o = (options ?? {}) as Loose<TestDriverOptions>;
  ringPairSize(layoutOf(o as TestDriverOptions));
  checkChoice(what, 'options.memory', o.memory, ['shared', 'native']);
  checkOptionsBag(`${what}: options.session`, o.session);
  if (o.session !== undefined) parseOptions(o.session as SessionOptions);
}

/** Checks the options of {@link createTestDriver} only. */
function checkWorkerTestDriverOptions(options: Loose<WorkerTestDriverOptions>): void {
  const what = 'createTestDriver';
  checkInteger(what, 'options.queueBytes', options.queueBytes, 0x20000, 0x40000000, true);
  if (options.queueBytes !== undefined && (options.queueBytes as number) % 4 !== 0) invalid(`${what}: options.queueBytes must be a multiple of 4.`);
  checkInteger(what, 'options.maxPacketSize', options.maxPacketSize, 1, 0xffff, true);
  checkChoice(what, 'options.driverMode', options.driverMode, ['fenced', 'old-driver']);
  checkDuration(what, 'options.raceWindowUs', options.raceWindowUs);
  checkDuration(what, 'options.driverSpinUs', options.driverSpinUs);
  checkDuration(what, 'options.driverWaitMs', options.driverWaitMs);
}

function layoutOf(options: TestDriverOptions): RingPairLayout {
  const capacity = options.capacity ?? 0x100000;
  return { sendCapacity: options.sendCapacity ?? capacity, receiveCapacity: options.receiveCapacity ?? capacity };
}

function statsOf(control: Int32Array): TestDriverStats {
  const get = (slot: number): number => Atomics.load(control, slot);
  return {
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
    get waits() {
      return get(DriverControl.WAITS);
    },
    get wakeups() {
      return get(DriverControl.WAKEUPS);
    },
    get waitTimeouts() {
      return get(DriverControl.WAIT_TIMEOUTS);
    },
    get missedWakeups() {
      return get(DriverControl.MISSED_WAKEUPS);
    },
  };
}

/**
 * Creates a session wired to an in-memory driver in two worker threads: packets you `inject` go
 * through the Send ring to `driver.session`; packets the session sends come out of the Receive
 * ring into `sent`/`onSend`. The driver loops run on the pooled driver workers (built files
 * `dist/workers/*.js`, or the directory named by `WINTUN_TS_WORKER_DIR`); `unref()` lets a
 * process with an idle driver exit.
 *
 * @example
 * ```ts
 * await using driver = await createTestDriver();
 * driver.inject(pingPacket);
 * const lease = await driver.session.receive();
 * driver.session.send(reply(lease.data));
 * lease.release();
 * expect(await driver.nextSent({ timeout: 1000 })).toEqual(expected);
 * ```
 *
 * @throws WintunError (rejection) `ERR_WINTUN_INVALID_ARGUMENT` (a malformed option, checked before
 *   anything starts), `ERR_WINTUN_INVALID_CAPACITY`, `ERR_WINTUN_WORKER_FAILED`
 *   (workers failed to start, e.g. the package is not built), `ERR_WINTUN_FFI_UNAVAILABLE`
 *   (`memory: 'native'` without koffi).
 */
export async function createTestDriver(options: WorkerTestDriverOptions = {}): Promise<TestDriver> {
  checkTestDriverOptions('createTestDriver', options);
  checkWorkerTestDriverOptions(options);
  // Main-thread side of the outbound queue (pumped once the workers run, below): deliver sent
  // packets to subscribers or the buffer.
  const buffer: Uint8Array[] = [];
  const subscribers = new Set<(packet: Uint8Array) => void>();
  const pending: Array<{ resolve: (p: Uint8Array) => void; reject: (e: unknown) => void }> = [];
  let finished = false;
  const deliver = (packet: Uint8Array): void => {
    if (subscribers.size > 0) {
      for (const cb of subscribers) cb(packet);
      return;
    }
    const waiter = pending.shift();
    if (waiter !== undefined) waiter.resolve(packet);
    else buffer.push(packet);
  };
  const queueBytes = options.queueBytes ?? 0x400000;
  // Created once the ring memory exists (as the driver workers' setup), so a bad capacity is reported first.
  let inbound!: PacketQueue;
  let outbound!: PacketQueue;
  // Set once the session exists; onClose also runs when the start fails, before it is set.
  let pump: Promise<void> | undefined;
  const { session, workers, writeEvent } = await startSessionWithDriverWorkers({
    layout: layoutOf(options),
    memory: options.memory ?? 'shared',
    session: options.session,
    workers: () => {
      inbound = new PacketQueue(queueBytes);
      outbound = new PacketQueue(queueBytes);
      const io = workerUrl('memory-io');
      return {
        producer: {
          io,
          ioOptions: { queue: inbound.describe() },
          loop: { maxPacketSize: options.maxPacketSize, waitMs: options.driverWaitMs },
        },
        consumer: {
          io,
          ioOptions: { queue: outbound.describe() },
          loop: {
            spinUs: options.driverSpinUs,
            waitMs: options.driverWaitMs,
            mode: options.driverMode,
            raceWindowUs: options.raceWindowUs,
          },
        },
        onStop: () => {
          inbound.close();
          outbound.close();
        },
      };
    },
    // Runs once, by session.close(), after the workers stopped.
    onClose: async () => {
      finished = true;
      outbound.close();
      await pump;
      const error = new WintunError('ERR_WINTUN_CLOSED', 'The test driver was closed.');
      for (const waiter of pending.splice(0)) waiter.reject(error);
    },
  });

  const drainOutbound = (): void => {
    for (let p = outbound.shift(); p !== null; p = outbound.shift()) deliver(p);
  };
  pump = (async () => {
    while (!finished && !outbound.closed) {
      drainOutbound();
      await outbound.waitReadable(50);
    }
    drainOutbound();
  })();

  const nextSent = (opts: ReceiveOptions = {}): Promise<Uint8Array> => {
    try {
      checkWaitOptions('TestDriver.nextSent', opts);
    } catch (error) {
      return Promise.reject(error);
    }
    const ready = buffer.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (finished) return Promise.reject(new WintunError('ERR_WINTUN_CLOSED', 'The test driver was closed.'));
    return new Promise<Uint8Array>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const entry = {
        resolve: (p: Uint8Array) => {
          cleanup();
          resolve(p);
        },
        reject: (e: unknown) => {
          cleanup();
          reject(e);
        },
      };
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        const i = pending.indexOf(entry);
        if (i >= 0) pending.splice(i, 1);
      };
      const onAbort = (): void => entry.reject(new WintunError('ERR_WINTUN_ABORTED', 'nextSent was aborted.', { cause: opts.signal?.reason }));
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeout !== undefined) {
        timer = setTimeout(() => entry.reject(new WintunError('ERR_WINTUN_TIMEOUT', `No sent packet within ${String(opts.timeout)} ms.`)), opts.timeout);
      }
      pending.push(entry);
    });
  };

  const sent: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<Uint8Array, undefined>> {
      try {
        return { done: false, value: await nextSent() };
      } catch (error) {
        if (error instanceof WintunError && error.code === 'ERR_WINTUN_CLOSED') return { done: true, value: undefined };
        throw error;
      }
    },
  };

  const inject = (packet: Uint8Array): boolean => {
    checkPacket('TestDriver.inject', packet);
    return inbound.push(packet);
  };
  return {
    session,
    inject,
    injectMany(packets) {
      if (packets === null || typeof packets !== 'object' || ArrayBuffer.isView(packets) || packets instanceof TypedArray || typeof (packets as Iterable<Uint8Array>)[Symbol.iterator] !== 'function') {
        invalid('TestDriver.injectMany: packets must be an iterable (an array) of Uint8Array; for one packet use inject().');
      }
      // An array is checked whole before the first packet is queued (a bad one queues nothing);
      // another iterable (possibly endless) is consumed lazily, each packet checked before it is queued.
      if (Array.isArray(packets)) packets.forEach((p: unknown) => checkPacket('TestDriver.injectMany', p));
      let n = 0;
      for (const p of packets) {
        checkPacket('TestDriver.injectMany', p);
        if (!inbound.push(p)) break;
        n++;
      }
      return n;
    },
    sent,
    nextSent,
    takeSent() {
      drainOutbound();
      return buffer.splice(0);
    },
    onSend(callback) {
      checkFunction('TestDriver.onSend', 'callback', callback);
      subscribers.add(callback);
      return () => {
        subscribers.delete(callback);
      };
    },
    stats: statsOf(workers.control),
    endSession() {
      Atomics.store(workers.control, DriverControl.CLOSE_SEND, 1);
      inbound.wake();
    },
    abortReceive() {
      Atomics.store(workers.control, DriverControl.ABORT_RECEIVE, 1);
      writeEvent.set();
    },
    unref: () => workers.unref(),
    ref: () => workers.ref(),
    close: () => session.close(),
    [Symbol.asyncDispose]: () => session.close(),
  };
}

/**
 * A driver played synchronously on the calling thread, for fast deterministic tests: nothing
 * happens until you call its methods. `inject` writes straight into the Send ring (one batch) and
 * sets the read event; `takeSent` consumes the Receive ring. No workers, no timers.
 */
export interface InThreadDriver extends AsyncDisposable {
  /** The session under test. */
  readonly session: Session;
  /** The ring pair (for tests that inspect or corrupt ring memory on purpose). */
  readonly rings: RingPair;
  /** The ring memory. */
  readonly memory: RingMemory;
  /**
   * Writes packets into the Send ring as one batch (whole or nothing, as the driver does), publishes
   * Tail and sets the read event.
   *
   * @returns false when the batch did not fit (dropped) or the ring was ended.
   */
  inject(...packets: Uint8Array[]): boolean;
  /** Consumes every IP packet now in the Receive ring (copies, wire order); non-IP records are discarded. */
  takeSent(): Uint8Array[];
  /** Times the session set the write event (the driver would have woken). */
  readonly writeSignals: number;
  /** Makes the driver alertable (Alertable = 1), as before it sleeps; `false` clears it. */
  setAlertable(alertable: boolean): void;
  /** Unregistration: Send ring Tail = 0xFFFFFFFF and the read event set. */
  endSession(): void;
  /** Aborts the Receive ring: Head = 0xFFFFFFFF. */
  abortReceive(): void;
  /** Closes the session. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates a session with a synchronous in-thread driver ({@link InThreadDriver}).
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (a malformed option), `ERR_WINTUN_INVALID_CAPACITY`;
 *   `ERR_WINTUN_FFI_UNAVAILABLE` for `memory: 'native'` without koffi.
 */
export function createInThreadDriver(options: TestDriverOptions = {}): InThreadDriver {
  checkTestDriverOptions('createInThreadDriver', options);
  const layout = layoutOf(options);
  const memory = allocateRingMemory(ringPairSize(layout), { kind: options.memory ?? 'shared' });
  const rings = createRingPair(memory, layout);
  const [readEvent, rawWriteEvent] = createSharedEvents(2) as [ReturnType<typeof createSharedEvents>[0], ReturnType<typeof createSharedEvents>[0]];
  let writeSignals = 0;
  const writeEvent: AutoResetEvent = {
    kind: 'shared',
    set() {
      writeSignals++;
      rawWriteEvent.set();
    },
    waitSync: (ms) => rawWriteEvent.waitSync(ms),
    wait: (ms) => rawWriteEvent.wait(ms),
    describe: () => rawWriteEvent.describe(),
    close: () => rawWriteEvent.close(),
  };
  const producer = new SendRingProducer(rings.send);
  const consumer = new ReceiveRingConsumer(rings.receive);
  const session = new Session(
    { rings, readEvent, writeEvent, memory, link: { close: () => Promise.resolve() } },
    { oldDriverGuard: false, ...options.session },
  );
  return {
    session,
    rings,
    memory,
    inject(...packets) {
      packets.forEach((p) => checkPacket('InThreadDriver.inject', p));
      const ok = producer.writeBatch(packets);
      if (producer.publish()) readEvent.set();
      return ok;
    },
    takeSent() {
      const out: Uint8Array[] = [];
      for (let off = consumer.next(); off >= 0; off = consumer.next()) {
        out.push(rings.receive.bytes.slice(off, off + consumer.lastSize));
        consumer.release();
      }
      return out;
    },
    get writeSignals() {
      return writeSignals;
    },
    setAlertable(alertable) {
      if (typeof alertable !== 'boolean') invalid('InThreadDriver.setAlertable: alertable must be a boolean.');
      rings.receive.storeAlertable(alertable ? 1 : 0);
    },
    endSession() {
      producer.close();
      readEvent.set();
    },
    abortReceive() {
      consumer.abort();
    },
    close: () => session.close(),
    [Symbol.asyncDispose]: () => session.close(),
  };
}
