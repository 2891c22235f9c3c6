/**
 * {@link Session}: the client side of a Wintun registration (two rings, two auto-reset events and a
 * link to whatever plays the driver) with wait/alert semantics for JavaScript.
 *
 * @module
 */
import {
  RING_EMPTY,
  RING_EOF,
  RING_FULL,
  ReceiveRingWriter,
  SendRingReader,
  WintunError,
  tunPacketAlign,
} from '@wintun-ts/ring';
import type { RingMemory, TunRing, WintunErrorCode } from '@wintun-ts/ring';
import type { AutoResetEvent } from './events/types.js';
import { RateGate } from './rate.js';
import type { DriverStats } from './driver/stats.js';

/**
 * The handle a {@link Session} holds on whatever plays the Wintun driver: the kernel driver on
 * Windows (closing the device handle unregisters the rings), the TUN pump workers on Linux, or the
 * in-memory test driver. Implemented by the adapter layer and by `@wintun-ts/session/testing`.
 */
export interface DriverLink {
  /**
   * Stops the driver side for good: after the promise settles, nothing on the driver side reads
   * or writes the ring memory or the events any more, so the memory may be freed. Called exactly
   * once, by {@link Session.close}, after every session waiter was woken. Must be bounded in time.
   */
  close(): Promise<void>;
  /**
   * Optional: a promise that rejects when the driver side fails on its own (e.g. a worker
   * crashed); never resolves. The session then rejects pending calls with that error.
   */
  readonly failed?: Promise<never> | undefined;
  /**
   * Optional: lets the driver side stop keeping the process alive (`Session.unref()`), as an
   * unref'd socket does; `ref()` undoes it. Both idempotent.
   */
  unref?(): void;
  /** Optional: undoes {@link DriverLink.unref}. */
  ref?(): void;
}

/**
 * Everything a {@link Session} is built from. The session takes ownership of all of it: on close
 * it stops `link`, then closes the events (when `ownsEvents`), then frees `memory`.
 */
export interface SessionBackend {
  /** The two rings of the registration: `send` (driver -> user) and `receive` (user -> driver). */
  readonly rings: {
    /** The Send ring (driver -> user). */
    readonly send: TunRing;
    /** The Receive ring (user -> driver). */
    readonly receive: TunRing;
  };
  /** Send ring `TailMoved`: the driver sets it on every Send-ring Tail move. */
  readonly readEvent: AutoResetEvent;
  /** Receive ring `TailMoved`: the session sets it when a commit finds the driver alertable. */
  readonly writeEvent: AutoResetEvent;
  /** Stops whatever plays the driver. */
  readonly link: DriverLink;
  /** The ring memory, freed last (after the link is closed and every lease released). Optional. */
  readonly memory?: RingMemory | undefined;
  /** Close both events on session close. Default true. */
  readonly ownsEvents?: boolean | undefined;
  /** Live counters of the driver side, where it keeps any (exposed as `session.driverStats`). */
  readonly driverStats?: DriverStats | null | undefined;
}

/** Tuning of a {@link Session}. Every field is optional. */
export interface SessionOptions {
  /**
   * Upper bound of one wait on the read event, in milliseconds (default 100). Every wait is
   * bounded; a wait that times out while data is pending is counted in
   * {@link SessionStats.timeoutsWithDataPending} (a missed wake-up).
   */
  readonly waitTimeoutMs?: number | undefined;
  /**
   * Spin-before-wait policy. The session spins (atomic loads of the Send ring Tail, no FFI) for
   * `spinUs` microseconds before waiting, but only while the measured rate is at least
   * `thresholdPps`; never when idle. `false` disables spinning. Defaults: 20 000 pps, 20 us.
   */
  readonly spin?:
    | false
    | {
        /** Spin only at or above this many packets per second (default 20 000). */
        readonly thresholdPps?: number | undefined;
        /** Spin length in microseconds (default 20). */
        readonly spinUs?: number | undefined;
        /** Rate measurement window in milliseconds (default 250). */
        readonly windowMs?: number | undefined;
      }
    | undefined;
  /**
   * Old-driver guard (spec 4.7): Wintun drivers up to 0.14.1 lack the fence between storing
   * `Alertable = 1` and re-reading `Tail`, so a wake-up can be lost and the driver sleeps with data
   * pending. While packets are pending, the session checks the Receive ring every `intervalMs` and
   * sets the write event again when Head has not moved for `stallMs`. `false` disables it.
   * Defaults: `stallMs` 2, `intervalMs` 1.
   */
  readonly oldDriverGuard?:
    | false
    | {
        /** Head unchanged this long (ms) with packets pending counts as a stall (default 2). */
        readonly stallMs?: number | undefined;
        /** Check period in milliseconds while packets are pending (default 1). */
        readonly intervalMs?: number | undefined;
      }
    | undefined;
}

/** Options of the waiting receive calls. */
export interface ReceiveOptions {
  /** Cancels the wait: the call rejects with `ERR_WINTUN_ABORTED` and takes no packet. */
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds to wait at most; then the call rejects with `ERR_WINTUN_TIMEOUT` and takes no packet. */
  readonly timeout?: number | undefined;
}

/**
 * A received packet lent from the Send ring (zero-copy). `data` is a view into ring memory, valid
 * until {@link ReceivedPacket.release}; after that the bytes may be overwritten by the driver.
 * Releases may happen in any order (the release bit); the ring's Head only moves over a released
 * prefix, so an unreleased packet holds back free space. Main thread only.
 */
export interface ReceivedPacket extends Disposable {
  /** The payload, a view into ring memory: valid until `release()`. May be modified in place. */
  readonly data: Uint8Array;
  /** Payload length in bytes (`data.byteLength`). */
  readonly length: number;
  /**
   * Returns the space to the driver. Call exactly once.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` on a second call.
   */
  release(): void;
}

/**
 * A slot allocated in the Receive ring, to fill in place and commit (zero-copy send). Wire order
 * is allocation order: a committed slot behind an uncommitted earlier one stays invisible to the
 * driver until that one is committed. Main thread only.
 */
export interface SendSlot {
  /** The payload area, a view into ring memory: write the packet here before `commit()`. */
  readonly data: Uint8Array;
  /** Payload length in bytes. */
  readonly length: number;
  /**
   * Hands the packet to the driver (publishes Tail once every earlier slot is committed too, and
   * wakes the driver when it is alertable).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` on a second commit; `ERR_WINTUN_CLOSED` after close.
   */
  commit(): void;
}

/**
 * Live counters of a {@link Session}. The object is updated in place; copy it (`{ ...stats }`) for
 * a snapshot. Byte counts are JavaScript numbers (exact up to 2^53).
 */
export interface SessionStats {
  /** Packets taken from the Send ring. */
  packetsReceived: number;
  /** Payload bytes taken from the Send ring. */
  bytesReceived: number;
  /** Packets committed to the Receive ring. */
  packetsSent: number;
  /** Payload bytes committed to the Receive ring. */
  bytesSent: number;
  /** Packets `send`/`sendMany` dropped because the Receive ring was full. */
  sendDrops: number;
  /** `allocateSend` calls that found the Receive ring full (returned null). */
  sendFull: number;
  /** Waits on the read event that ended with a signal. */
  wakeups: number;
  /** Waits on the read event that ended by timeout. */
  waitTimeouts: number;
  /** Timeouts after which data was found without any signal: missed wake-ups (should stay 0). */
  timeoutsWithDataPending: number;
  /** Spin phases entered (only under load). */
  spins: number;
  /** Spin phases that saw the Tail move (a wait avoided). */
  spinHits: number;
  /** Times the session set the write event because a commit found the driver alertable. */
  writeSignals: number;
  /** Times the old-driver guard set the write event again for a stalled Receive ring. */
  guardResignals: number;
}

type Waiter = {
  /** Takes data from the ring for this waiter. Returns false when the ring is empty. */
  take(): boolean;
  /** Rejects the waiter (and detaches timers/listeners). */
  fail(error: unknown): void;
};

type State = 'open' | 'eof' | 'failed' | 'closing' | 'closed';

const DEFAULT_WAIT_MS = 100;

function sessionError(code: WintunErrorCode, message: string, cause?: unknown): WintunError {
  return new WintunError(code, message, cause === undefined ? {} : { cause });
}

function now(): number {
  return performance.now();
}

/**
 * A Wintun session over two rings: receive what the driver produced in the Send ring and send
 * into the Receive ring, with Wintun's wait/alert protocol, cancellation and an orderly close.
 *
 * Built by the adapter layer (`Adapter.startSession`) or by `createTestDriver` from
 * `@wintun-ts/session/testing`; the constructor is for backends.
 *
 * Receiving: {@link Session.tryReceive}/{@link Session.receive}/{@link Session.receiveMany} lend
 * packets zero-copy (release each); {@link Session.tryReceiveCopy}/{@link Session.receiveCopy} and
 * `for await (const bytes of session)` copy; {@link Session.drain}/{@link Session.receiveInto}
 * hand `(bytes, offset, length)` without allocating. Waiting receivers are served in call order.
 *
 * Sending: {@link Session.allocateSend} + `commit()` (zero-copy), {@link Session.send},
 * {@link Session.sendMany}, {@link Session.sendWith}; a full ring is a return value, never an
 * error; {@link Session.waitForSpace} polls (Wintun has no space signal).
 *
 * Thread-safety: a session belongs to the thread that created it (normally the main thread); the
 * driver side runs elsewhere and meets it only through ring memory and events.
 *
 * Errors: `ERR_WINTUN_EOF` once the driver ended the session (final; iteration just ends),
 * `ERR_WINTUN_RING_CORRUPT` when the Send ring holds a forbidden value (sticky; close the session),
 * `ERR_WINTUN_CLOSED` after {@link Session.close}, `ERR_WINTUN_WORKER_FAILED` when the driver
 * side failed.
 */
export class Session implements AsyncDisposable {
  /** Live counters; see {@link SessionStats}. */
  readonly stats: SessionStats = {
    packetsReceived: 0,
    bytesReceived: 0,
    packetsSent: 0,
    bytesSent: 0,
    sendDrops: 0,
    sendFull: 0,
    wakeups: 0,
    waitTimeouts: 0,
    timeoutsWithDataPending: 0,
    spins: 0,
    spinHits: 0,
    writeSignals: 0,
    guardResignals: 0,
  };
  /** Resolves once {@link Session.close} has finished (driver stopped, memory freed or scheduled). Never rejects. */
  readonly closed: Promise<void>;

  readonly #send: TunRing;
  readonly #receive: TunRing;
  readonly #reader: SendRingReader;
  readonly #writer: ReceiveRingWriter;
  readonly #readEvent: AutoResetEvent;
  readonly #writeEvent: AutoResetEvent;
  readonly #link: DriverLink;
  readonly #memory: RingMemory | undefined;
  readonly #ownsEvents: boolean;
  readonly #waitMs: number;
  readonly #gate: RateGate | null;
  readonly #spinMs: number;
  readonly #guardStallMs: number;
  readonly #guardIntervalMs: number;
  readonly #driverStats: DriverStats | null;

  #state: State = 'open';
  #error: WintunError | null = null;
  readonly #waiters: Waiter[] = [];
  #pump: Promise<void> | null = null;
  readonly #spaceWaiters = new Set<(error: unknown) => void>();
  #leases = 0;
  #closeStarted = false;
  #resolveClosed!: () => void;
  #memoryFreed = false;

  #guardTimer: ReturnType<typeof setInterval> | null = null;
  /**
   * The guard timer's callback, created once. An arrow created inside `#afterCommit` would make
   * V8 allocate a 40-byte closure context (it holds `this`) on every call of `#afterCommit`, i.e.
   * on every commit, even when the arming branch is not taken.
   */
  readonly #onGuardTimer = (): void => this.#guardCheck();
  #guardHead = 0;
  #guardSince = 0;
  #commitsSinceCheck = 0;

  /**
   * Builds a session over a registered ring pair. The session owns the backend from now on.
   *
   * @param backend - rings, events, driver link and (optionally) the memory to free.
   * @param options - wait bound, spin policy, old-driver guard.
   */
  constructor(backend: SessionBackend, options: SessionOptions = {}) {
    this.#send = backend.rings.send;
    this.#receive = backend.rings.receive;
    this.#reader = new SendRingReader(this.#send);
    this.#writer = new ReceiveRingWriter(this.#receive);
    this.#readEvent = backend.readEvent;
    this.#writeEvent = backend.writeEvent;
    this.#link = backend.link;
    this.#memory = backend.memory;
    this.#ownsEvents = backend.ownsEvents ?? true;
    this.#driverStats = backend.driverStats ?? null;
    this.#waitMs = options.waitTimeoutMs ?? DEFAULT_WAIT_MS;
    if (!(this.#waitMs > 0) || !Number.isFinite(this.#waitMs)) {
      throw sessionError('ERR_WINTUN_INVALID_ARGUMENT', `waitTimeoutMs must be a finite number > 0, got ${String(this.#waitMs)}.`);
    }
    const spin = options.spin;
    if (spin === false) {
      this.#gate = null;
      this.#spinMs = 0;
    } else {
      this.#gate = new RateGate({ thresholdPps: spin?.thresholdPps, windowMs: spin?.windowMs });
      this.#spinMs = (spin?.spinUs ?? 20) / 1000;
    }
    const guard = options.oldDriverGuard;
    this.#guardStallMs = guard === false ? 0 : (guard?.stallMs ?? 2);
    this.#guardIntervalMs = guard === false ? 0 : (guard?.intervalMs ?? 1);
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    if (backend.link.failed !== undefined) {
      backend.link.failed.catch((cause: unknown) => {
        if (this.#state !== 'open' && this.#state !== 'eof') return;
        const error =
          cause instanceof WintunError ? cause : sessionError('ERR_WINTUN_WORKER_FAILED', 'The driver side of the session failed.', cause);
        this.#enterFinal('failed', error);
      });
    }
  }

  /** True while the session accepts calls (not closed, not ended by the driver). */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** The read event (Send ring `TailMoved`), for callers that integrate their own waits. Owned by the session. */
  get readEvent(): AutoResetEvent {
    return this.#readEvent;
  }

  /**
   * Live counters of the driver side (the workers that play the driver on Linux and in the test
   * driver), or null where the platform keeps none of its own (Windows).
   */
  get driverStats(): DriverStats | null {
    return this.#driverStats;
  }

  /** Packets lent by the receive calls and not yet released. */
  get outstandingPackets(): number {
    return this.#leases;
  }

  // ---------------------------------------------------------------- receive

  /**
   * Takes the next packet without waiting (zero-copy lease; release it).
   *
   * @returns the packet, or null when the ring is empty (edge 10: nothing changes) or while waiting
   *   receive calls are queued (they are served first, in call order).
   * @throws WintunError `ERR_WINTUN_EOF` (driver ended the session), `ERR_WINTUN_RING_CORRUPT`
   *   (sticky), `ERR_WINTUN_CLOSED`, `ERR_WINTUN_WORKER_FAILED`.
   */
  tryReceive(): ReceivedPacket | null {
    this.#checkReadable();
    if (this.#waiters.length > 0) return null;
    const offset = this.#take();
    return offset < 0 ? null : this.#lease(offset, this.#reader.lastSize);
  }

  /**
   * Takes the next packet without waiting and returns a copy (the ring space is released at once).
   *
   * @returns a fresh `Uint8Array`, or null when the ring is empty.
   * @throws WintunError as {@link Session.tryReceive}.
   */
  tryReceiveCopy(): Uint8Array | null {
    this.#checkReadable();
    if (this.#waiters.length > 0) return null;
    const offset = this.#take();
    return offset < 0 ? null : this.#copyAndRelease(offset);
  }

  /**
   * Waits for the next packet (zero-copy lease; release it). Waiting calls are served in call order.
   * A cancelled or timed-out call takes no packet: the next packet stays in the ring for the next call.
   *
   * @throws WintunError (rejection) `ERR_WINTUN_ABORTED`, `ERR_WINTUN_TIMEOUT`, `ERR_WINTUN_EOF`,
   *   `ERR_WINTUN_RING_CORRUPT`, `ERR_WINTUN_CLOSED` (close() rejects pending calls at once),
   *   `ERR_WINTUN_WORKER_FAILED`.
   */
  receive(options: ReceiveOptions = {}): Promise<ReceivedPacket> {
    return this.#wait<ReceivedPacket>(options, (resolve) => {
      const offset = this.#take();
      if (offset < 0) return false;
      resolve(this.#lease(offset, this.#reader.lastSize));
      return true;
    });
  }

  /**
   * Waits for the next packet and returns a copy (the ring space is released at once).
   *
   * @throws WintunError as {@link Session.receive}.
   */
  receiveCopy(options: ReceiveOptions = {}): Promise<Uint8Array> {
    return this.#wait<Uint8Array>(options, (resolve) => {
      const offset = this.#take();
      if (offset < 0) return false;
      resolve(this.#copyAndRelease(offset));
      return true;
    });
  }

  /**
   * Waits until at least one packet is there, then takes up to `max` packets that are ready
   * (zero-copy leases; release each).
   *
   * @param max - most packets to return, >= 1.
   * @throws WintunError as {@link Session.receive}; `ERR_WINTUN_INVALID_ARGUMENT` for a bad `max`.
   */
  receiveMany(max: number, options: ReceiveOptions = {}): Promise<ReceivedPacket[]> {
    checkMax(max);
    return this.#wait<ReceivedPacket[]>(options, (resolve) => {
      let offset = this.#take();
      if (offset < 0) return false;
      const out: ReceivedPacket[] = [];
      for (;;) {
        out.push(this.#lease(offset, this.#reader.lastSize));
        if (out.length >= max) break;
        offset = this.#takeQuiet();
        if (offset < 0) break;
      }
      resolve(out);
      return true;
    });
  }

  /**
   * Zero-allocation receive: calls `fn(bytes, offset, length)` for up to `max` packets that are
   * ready now, then releases each one when `fn` returns. `bytes` is the whole Send ring; the packet
   * is `bytes[offset .. offset + length)`, valid only during the call.
   *
   * @param fn - called once per packet, synchronously. If it throws, that packet is still released
   *   and the error propagates.
   * @param max - most packets to hand out (default: all that are ready).
   * @returns the number of packets handed out (0 when the ring is empty).
   * @throws WintunError as {@link Session.tryReceive}.
   */
  drain(fn: (bytes: Uint8Array, offset: number, length: number) => void, max = Infinity): number {
    this.#checkReadable();
    if (this.#waiters.length > 0) return 0;
    return this.#drainNow(fn, max);
  }

  /**
   * Waits until at least one packet is there, then behaves as {@link Session.drain}.
   *
   * @returns a promise for the number of packets handed out (>= 1).
   * @throws WintunError as {@link Session.receive}.
   */
  receiveInto(fn: (bytes: Uint8Array, offset: number, length: number) => void, options: ReceiveOptions & { readonly max?: number | undefined } = {}): Promise<number> {
    const max = options.max ?? Infinity;
    checkMax(max);
    return this.#wait<number>(options, (resolve) => {
      const n = this.#drainNow(fn, max);
      if (n === 0) return false;
      resolve(n);
      return true;
    });
  }

  /**
   * Iterates over received packets as copies until the driver ends the session or the session is
   * closed (both end the loop normally). Corruption and driver failure throw.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    yield* this.packets();
  }

  /**
   * Like `for await (const bytes of session)`, with a signal that ends the loop (normally) when aborted.
   *
   * @param options - `signal` ends the iteration.
   */
  async *packets(options: { readonly signal?: AbortSignal | undefined } = {}): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      let bytes: Uint8Array;
      try {
        bytes = await this.receiveCopy({ signal: options.signal });
      } catch (error) {
        if (isEnd(error)) return;
        throw error;
      }
      yield bytes;
    }
  }

  /**
   * Iterates over zero-copy leases; the caller releases each one (release may come later and in any
   * order). Ends as {@link Session.packets}.
   *
   * @param options - `signal` ends the iteration.
   */
  async *leases(options: { readonly signal?: AbortSignal | undefined } = {}): AsyncGenerator<ReceivedPacket, void, undefined> {
    for (;;) {
      let packet: ReceivedPacket;
      try {
        packet = await this.receive({ signal: options.signal });
      } catch (error) {
        if (isEnd(error)) return;
        throw error;
      }
      yield packet;
    }
  }

  // ---------------------------------------------------------------- send

  /**
   * Allocates a slot for a packet of `size` bytes in the Receive ring (zero-copy send). Fill
   * `slot.data`, then `slot.commit()`. Allocation order is wire order; an uncommitted slot holds back
   * every later one and counts as used space.
   *
   * @param size - payload length, 0..0xFFFF.
   * @returns the slot, or null when the ring is full (counted in `stats.sendFull`).
   * @throws WintunError `ERR_WINTUN_PACKET_TOO_LARGE` / `ERR_WINTUN_INVALID_ARGUMENT` for a bad size
   *   (before touching the ring), `ERR_WINTUN_EOF` when the driver ended the Receive ring,
   *   `ERR_WINTUN_CLOSED`, `ERR_WINTUN_WORKER_FAILED`.
   */
  allocateSend(size: number): SendSlot | null {
    this.#checkWritable();
    const offset = this.#allocate(size);
    if (offset === RING_FULL) {
      this.stats.sendFull++;
      return null;
    }
    return this.#slot(offset, size);
  }

  /**
   * Copies `packet` into the Receive ring and commits it.
   *
   * @returns true when queued for the driver; false when the ring is full (the packet is dropped
   *   and counted in `stats.sendDrops`).
   * @throws WintunError as {@link Session.allocateSend}.
   */
  send(packet: Uint8Array): boolean {
    this.#checkWritable();
    const offset = this.#allocate(packet.byteLength);
    if (offset === RING_FULL) {
      this.stats.sendDrops++;
      return false;
    }
    this.#receive.bytes.set(packet, offset);
    this.#commit(offset, packet.byteLength);
    return true;
  }

  /**
   * Zero-allocation send: allocates `size` bytes, calls `fill(bytes, offset, size)` to write the
   * packet straight into the ring (`bytes` is the whole Receive ring), then commits.
   *
   * @param more - true to commit without publishing yet (like `MSG_MORE`): the packet becomes
   *   visible to the driver with the next `sendWith` without `more`, any other send call, or
   *   {@link Session.flushSends}. Saves the Tail store, fence and Alertable check per packet when
   *   several packets are sent in a row; always end such a run with one of those, or the driver
   *   never sees the packets.
   * @returns false when the ring is full (dropped, counted in `stats.sendDrops`).
   * @throws WintunError as {@link Session.allocateSend}. If `fill` throws, the slot is still
   *   committed (with whatever `fill` wrote; the ring cannot take an allocation back) and the error
   *   propagates.
   */
  sendWith(size: number, fill: (bytes: Uint8Array, offset: number, length: number) => void, more = false): boolean {
    this.#checkWritable();
    const offset = this.#allocate(size);
    if (offset === RING_FULL) {
      this.stats.sendDrops++;
      return false;
    }
    try {
      fill(this.#receive.bytes, offset, size);
    } finally {
      if (more) {
        this.#writer.commitDeferred(offset);
        this.stats.packetsSent++;
        this.stats.bytesSent += size;
      } else {
        this.#commit(offset, size);
      }
    }
    return true;
  }

  /**
   * Publishes the packets that `sendWith(..., true)` committed without publishing, and wakes the
   * driver when it is alertable. Cheap when there is nothing to publish.
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after close, `ERR_WINTUN_EOF` after the driver ended.
   */
  flushSends(): void {
    this.#checkWritable();
    if (this.#writer.publish()) {
      this.stats.writeSignals++;
      this.#writeEvent.set();
    }
    this.#afterCommit();
  }

  /**
   * Sends packets in order until the ring is full; the rest are dropped (counted). Wakes the driver
   * at most once for the whole batch.
   *
   * @returns the number of packets queued (a prefix of `packets`).
   * @throws WintunError as {@link Session.allocateSend}.
   */
  sendMany(packets: readonly Uint8Array[]): number {
    this.#checkWritable();
    let sent = 0;
    let wake = false;
    const writer = this.#writer;
    const bytes = this.#receive.bytes;
    let total = 0;
    try {
      for (const packet of packets) {
        const offset = this.#allocate(packet.byteLength);
        if (offset === RING_FULL) break;
        bytes.set(packet, offset);
        // Commit now, publish once for the whole batch (one Tail store, fence and Alertable load).
        writer.commitDeferred(offset);
        total += packet.byteLength;
        sent++;
      }
    } finally {
      if (sent > 0 && writer.publish()) wake = true;
      this.stats.packetsSent += sent;
      this.stats.bytesSent += total;
    }
    this.stats.sendDrops += packets.length - sent;
    if (wake) {
      this.stats.writeSignals++;
      this.#writeEvent.set();
    }
    if (sent > 0) this.#afterCommit();
    return sent;
  }

  /** Bytes free in the Receive ring now (allocated-but-uncommitted slots count as used). */
  get sendFreeBytes(): number {
    return this.#writer.freeBytes;
  }

  /**
   * Waits until a packet of `size` bytes fits in the Receive ring. Wintun has no space signal, so
   * this polls with back-off: a short spin, then event-loop yields, then 1 ms sleeps. Cancellable.
   * Space may be taken by another caller between the promise resolving and the next allocation.
   *
   * @throws WintunError (rejection) `ERR_WINTUN_ABORTED`, `ERR_WINTUN_TIMEOUT`, `ERR_WINTUN_EOF`,
   *   `ERR_WINTUN_CLOSED`, `ERR_WINTUN_PACKET_TOO_LARGE`.
   */
  waitForSpace(size: number, options: ReceiveOptions = {}): Promise<void> {
    try {
      this.#checkWritable();
      if (!Number.isInteger(size) || size < 0 || size > 0xffff) {
        throw sessionError(size > 0xffff ? 'ERR_WINTUN_PACKET_TOO_LARGE' : 'ERR_WINTUN_INVALID_ARGUMENT', `Packet size ${String(size)} is not in 0..65535.`);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const need = tunPacketAlign(size);
    if (this.#spaceFor(need)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const { signal, timeout } = options;
      const deadline = timeout === undefined ? Infinity : now() + timeout;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let immediate: ReturnType<typeof setImmediate> | undefined;
      let done = false;
      const finish = (error?: unknown): void => {
        if (done) return;
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
        signal?.removeEventListener('abort', onAbort);
        this.#spaceWaiters.delete(finish);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => finish(sessionError('ERR_WINTUN_ABORTED', 'waitForSpace was aborted.', signal?.reason));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#spaceWaiters.add(finish);
      let round = 0;
      const poll = (): void => {
        immediate = undefined;
        timer = undefined;
        if (done) return;
        try {
          this.#checkWritable();
          if (this.#spaceFor(need)) return finish();
        } catch (error) {
          return finish(error);
        }
        if (now() >= deadline) return finish(sessionError('ERR_WINTUN_TIMEOUT', `No room for a ${size}-byte packet within ${String(timeout)} ms.`));
        round++;
        if (round <= 16) immediate = setImmediate(poll);
        else timer = setTimeout(poll, 1);
      };
      // First a short spin: the driver usually frees space within microseconds under load.
      const spinEnd = now() + 0.02;
      while (now() < spinEnd) {
        if (this.#spaceFor(need)) return finish();
      }
      poll();
    });
  }

  // ---------------------------------------------------------------- close

  /**
   * Closes the session. Idempotent (every call returns the same promise). Order: reject every
   * pending call with `ERR_WINTUN_CLOSED` and wake the internal waiter, wait for it to leave the
   * ring, stop the driver link, close the events, then free the ring memory (deferred until the
   * last outstanding lease is released, so a lease never points into freed memory).
   *
   * @returns a promise that settles when all of that is done; it rejects only when stopping the
   *   driver link failed (the session is closed anyway; {@link Session.closed} still resolves).
   */
  close(): Promise<void> {
    if (this.#closeStarted) return this.#closing;
    this.#closeStarted = true;
    this.#closing = this.#doClose();
    return this.#closing;
  }

  #closing: Promise<void> = Promise.resolve();

  async #doClose(): Promise<void> {
    const error = sessionError('ERR_WINTUN_CLOSED', 'The session was closed.');
    this.#state = 'closing';
    this.#error = error;
    this.#stopGuard();
    this.#failAll(error);
    // Wake the internal pump so it leaves the ring before anything is torn down.
    this.#readEvent.set();
    if (this.#pump !== null) await this.#pump;
    let linkError: unknown;
    try {
      await this.#link.close();
    } catch (e) {
      linkError = e;
    }
    if (this.#ownsEvents) {
      this.#readEvent.close();
      this.#writeEvent.close();
    }
    this.#state = 'closed';
    if (this.#leases === 0) this.#freeMemory();
    this.#resolveClosed();
    if (linkError !== undefined) throw linkError;
  }

  /** `await using session = ...` closes the session. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---------------------------------------------------------------- internals

  #freeMemory(): void {
    if (this.#memoryFreed) return;
    this.#memoryFreed = true;
    this.#memory?.free();
  }

  #checkReadable(): void {
    if (this.#state !== 'open') throw this.#error ?? sessionError('ERR_WINTUN_CLOSED', 'The session was closed.');
  }

  #checkWritable(): void {
    if (this.#state === 'open') return;
    // After a Send-ring EOF the Receive ring may still accept packets in Wintun, but a session
    // whose driver ended is over; report the same final error on both sides.
    throw this.#error ?? sessionError('ERR_WINTUN_CLOSED', 'The session was closed.');
  }

  /** Reader.receive() with EOF/corruption turned into the session's final state. */
  #take(): number {
    const offset = this.#receiveFirst();
    if (offset === RING_EMPTY) return RING_EMPTY;
    const size = this.#reader.lastSize;
    this.stats.packetsReceived++;
    this.stats.bytesReceived += size;
    this.#gate?.record(1);
    return offset;
  }

  /** #take for a second and later packet of a batch: an end condition is left for the next call. */
  #takeQuiet(): number {
    try {
      const offset = this.#reader.receive();
      if (offset < 0) return offset;
      this.stats.packetsReceived++;
      this.stats.bytesReceived += this.#reader.lastSize;
      this.#gate?.record(1);
      return offset;
    } catch {
      return RING_EMPTY;
    }
  }

  /**
   * The zero-copy batch receive behind drain/receiveInto. Allocation-free: the packets are released
   * with the deferred form (one shared Head store per call instead of one per packet; the reader
   * also publishes it before it loads Tail again), statistics and the rate gate are updated once
   * per call (the gate reads the clock, which costs more than a packet here).
   */
  #drainNow(fn: (bytes: Uint8Array, offset: number, length: number) => void, max: number): number {
    const reader = this.#reader;
    const bytes = this.#send.bytes;
    let n = 0;
    let total = 0;
    try {
      while (n < max) {
        let offset: number;
        if (n === 0) {
          offset = this.#receiveFirst();
        } else {
          // A later packet of the batch: an end condition is left for the next call.
          try {
            offset = reader.receive();
          } catch {
            break;
          }
        }
        if (offset < 0) break;
        const size = reader.lastSize;
        n++;
        total += size;
        try {
          fn(bytes, offset, size);
        } finally {
          reader.releaseDeferred(offset);
        }
      }
    } finally {
      if (n > 0) {
        if (!this.#memoryFreed) reader.publishHead();
        const stats = this.stats;
        stats.packetsReceived += n;
        stats.bytesReceived += total;
        this.#gate?.record(n);
      }
    }
    return n;
  }

  /** reader.receive() for the first packet of a call: EOF and corruption become the session's final state. */
  #receiveFirst(): number {
    let offset: number;
    try {
      offset = this.#reader.receive();
    } catch (error) {
      const e = error instanceof WintunError ? error : sessionError('ERR_WINTUN_RING_CORRUPT', 'The Send ring is corrupt.', error);
      this.#enterFinal('failed', e);
      throw e;
    }
    if (offset === RING_EOF) {
      const e = sessionError('ERR_WINTUN_EOF', 'The driver ended the session (Send ring closed): the adapter is going away. Close the session.');
      this.#enterFinal('eof', e);
      throw e;
    }
    return offset;
  }

  #copyAndRelease(offset: number): Uint8Array {
    const copy = this.#send.bytes.slice(offset, offset + this.#reader.lastSize);
    this.#reader.release(offset);
    return copy;
  }

  #lease(offset: number, size: number): ReceivedPacket {
    this.#leases++;
    let released = false;
    const data = this.#send.bytes.subarray(offset, offset + size);
    const release = (): void => {
      if (released) throw sessionError('ERR_WINTUN_INVALID_STATE', 'This packet was already released.');
      released = true;
      this.#leases--;
      if (!this.#memoryFreed && this.#state !== 'closed') this.#reader.release(offset);
      else if (this.#state === 'closed' && this.#leases === 0) this.#freeMemory();
    };
    // The same own properties as `{ data, length, release, [Symbol.dispose]: ... }`, but the symbol
    // key is added by assignment: V8 builds an object literal with a computed key through a
    // runtime call (about 350 ns per lease on the bench machine); the assignment is an inline-cached
    // map transition.
    const lease: { -readonly [K in keyof ReceivedPacket]: ReceivedPacket[K] } = { data, length: size, release } as ReceivedPacket;
    lease[Symbol.dispose] = (): void => {
      if (!released) release();
    };
    return lease;
  }

  #allocate(size: number): number {
    const offset = this.#writer.allocate(size);
    if (offset === RING_EOF) {
      const e = sessionError('ERR_WINTUN_EOF', 'The driver ended the Receive ring (Head = 0xFFFFFFFF): restart the session.');
      this.#enterFinal('eof', e);
      throw e;
    }
    return offset;
  }

  #slot(offset: number, size: number): SendSlot {
    let committed = false;
    return {
      data: this.#receive.bytes.subarray(offset, offset + size),
      length: size,
      commit: () => {
        if (committed) throw sessionError('ERR_WINTUN_INVALID_STATE', 'This slot was already committed.');
        if (this.#state === 'closing' || this.#state === 'closed') throw sessionError('ERR_WINTUN_CLOSED', 'The session was closed.');
        committed = true;
        this.#commit(offset, size);
      },
    };
  }

  #commit(offset: number, size: number): void {
    if (this.#writer.commit(offset)) {
      this.stats.writeSignals++;
      this.#writeEvent.set();
    }
    this.stats.packetsSent++;
    this.stats.bytesSent += size;
    this.#afterCommit();
  }

  #spaceFor(need: number): boolean {
    return this.#writer.freeBytes >= need;
  }

  // Old-driver guard: runs only while the Receive ring has unconsumed packets.
  #afterCommit(): void {
    if (this.#guardStallMs <= 0) return;
    if (this.#guardTimer === null) {
      this.#guardHead = this.#receive.loadHead();
      this.#guardSince = now();
      this.#guardTimer = setInterval(this.#onGuardTimer, this.#guardIntervalMs);
      this.#guardTimer.unref();
    } else if (++this.#commitsSinceCheck >= 64) {
      // Piggyback a check on busy senders whose event loop leaves the timer little room.
      this.#commitsSinceCheck = 0;
      this.#guardCheck();
    }
  }

  #guardCheck(): void {
    if (this.#state !== 'open') return this.#stopGuard();
    const ring = this.#receive;
    const head = ring.loadHead();
    const tail = ring.loadTail();
    if (head >= ring.capacity || head === tail) return this.#stopGuard();
    const t = now();
    if (head !== this.#guardHead) {
      this.#guardHead = head;
      this.#guardSince = t;
      return;
    }
    const stalled = t - this.#guardSince;
    if (stalled >= this.#guardStallMs && (ring.loadAlertable() !== 0 || stalled >= 4 * this.#guardStallMs)) {
      this.stats.guardResignals++;
      this.#guardSince = t;
      this.#writeEvent.set();
    }
  }

  #stopGuard(): void {
    if (this.#guardTimer !== null) {
      clearInterval(this.#guardTimer);
      this.#guardTimer = null;
    }
  }

  #enterFinal(state: 'eof' | 'failed', error: WintunError): void {
    if (this.#state !== 'open' && !(this.#state === 'eof' && state === 'failed')) return;
    this.#state = state;
    this.#error = error;
    this.#stopGuard();
    this.#failAll(error);
    this.#readEvent.set();
  }

  #failAll(error: unknown): void {
    const waiters = this.#waiters.splice(0);
    for (const w of waiters) w.fail(error);
    for (const finish of [...this.#spaceWaiters]) finish(error);
  }

  #wait<T>(options: ReceiveOptions, take: (resolve: (value: T) => void) => boolean): Promise<T> {
    const { signal, timeout } = options;
    return new Promise<T>((resolve, reject) => {
      try {
        this.#checkReadable();
        if (signal?.aborted) throw sessionError('ERR_WINTUN_ABORTED', 'The receive was aborted.', signal.reason);
        if (timeout !== undefined && (!(timeout >= 0) || !Number.isFinite(timeout))) {
          throw sessionError('ERR_WINTUN_INVALID_ARGUMENT', `timeout must be a finite number >= 0, got ${String(timeout)}.`);
        }
        // Fast path: nobody queued before us and data is there.
        if (this.#waiters.length === 0 && take(resolve)) return;
      } catch (error) {
        reject(error);
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const detach = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        take: () => {
          try {
            return take((value) => {
              detach();
              resolve(value);
            });
          } catch (error) {
            // Final ring states already failed every waiter; a callback error fails only this one.
            detach();
            reject(error);
            return true;
          }
        },
        fail: (error) => {
          detach();
          reject(error);
        },
      };
      const remove = (error: WintunError): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        waiter.fail(error);
      };
      const onAbort = (): void => remove(sessionError('ERR_WINTUN_ABORTED', 'The receive was aborted.', signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => remove(sessionError('ERR_WINTUN_TIMEOUT', `No packet arrived within ${timeout} ms.`)), timeout);
      }
      this.#waiters.push(waiter);
      if (this.#pump === null) this.#pump = this.#runPump();
    });
  }

  /** Serves queued waiters in order while the ring has data. @returns false when it ran dry. */
  #serve(): boolean {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0]!;
      if (!waiter.take()) return false;
      if (this.#waiters[0] === waiter) this.#waiters.shift();
    }
    return true;
  }

  async #runPump(): Promise<void> {
    // Always yield once first, so that `this.#pump` is assigned before the finally block clears it.
    await undefined;
    try {
      while (this.#waiters.length > 0 && this.#state === 'open') {
        if (this.#serve()) continue;
        // The ring is empty. Remember the Tail we saw, spin under load, then wait.
        const seenTail = this.#send.loadTail();
        if (this.#gate !== null && this.#spinMs > 0 && this.#gate.shouldSpin()) {
          this.stats.spins++;
          const end = now() + this.#spinMs;
          let hit = false;
          while (now() < end) {
            if (this.#send.loadTail() !== seenTail) {
              hit = true;
              break;
            }
          }
          if (hit) {
            this.stats.spinHits++;
            continue;
          }
        }
        const signalled = await this.#readEvent.wait(this.#waitMs);
        if (this.#state !== 'open') break;
        if (signalled) {
          this.stats.wakeups++;
          continue;
        }
        this.stats.waitTimeouts++;
        if (this.#send.loadTail() !== seenTail && !(await this.#readEvent.wait(0))) {
          // Data arrived while we slept and no signal is pending: a missed wake-up.
          this.stats.timeoutsWithDataPending++;
        }
      }
    } catch (error) {
      this.#failAll(error);
    } finally {
      this.#pump = null;
      // A waiter may have queued while the pump was finishing.
      if (this.#waiters.length > 0 && this.#state === 'open') this.#pump = this.#runPump();
    }
  }
}

function checkMax(max: number): void {
  if (!(max >= 1) || (max !== Infinity && !Number.isInteger(max))) {
    throw sessionError('ERR_WINTUN_INVALID_ARGUMENT', `max must be an integer >= 1, got ${String(max)}.`);
  }
}

function isEnd(error: unknown): boolean {
  return error instanceof WintunError && (error.code === 'ERR_WINTUN_EOF' || error.code === 'ERR_WINTUN_CLOSED' || error.code === 'ERR_WINTUN_ABORTED');
}
