/**
 * The types a {@link Session} is built from and hands out: the backend contract (rings, events,
 * driver link), options, leases, send slots, packet batches and counters. No code.
 *
 * @module
 */
import type { TunRing, RingMemory } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import type { DriverStats } from '../driver/stats.js';
import type { Session } from '../session.js';

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
   * up to `spinUs` microseconds before waiting, but only while the measured rate is at least
   * `thresholdPps` and spinning has paid for itself lately: the recent gaps before data arrived,
   * capped at `spinUs`, average at most `breakEvenUs` (what a sleep and wake-up costs). Never
   * when idle: the first spin that finds nothing closes it. `false` disables spinning. Defaults:
   * 20 000 pps, 50 us, break-even 20 us.
   */
  readonly spin?:
    | false
    | {
        /** Spin only at or above this many packets per second (default 20 000). */
        readonly thresholdPps?: number | undefined;
        /** Longest spin in microseconds (default 50). */
        readonly spinUs?: number | undefined;
        /** Spin only while the recent gaps (capped at `spinUs`) average at most this many microseconds (default 20). */
        readonly breakEvenUs?: number | undefined;
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

/**
 * Options of the waiting calls (`receive`, `receiveInto`, `waitForSpace`). Checked before anything
 * happens: a wrong type is `ERR_WINTUN_INVALID_ARGUMENT`.
 */
export interface ReceiveOptions {
  /** An `AbortSignal` that cancels the wait: the call rejects with `ERR_WINTUN_ABORTED` and takes no packet. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Milliseconds to wait at most, a finite number in [0, 2147483647]; then the call rejects with
   * `ERR_WINTUN_TIMEOUT` and takes no packet.
   */
  readonly timeout?: number | undefined;
}

/** Options of {@link Session.receiveInto}: those of every wait plus the batch bound. */
export interface ReceiveIntoOptions extends ReceiveOptions {
  /** Most packets to hand out, an integer >= 1 or `Infinity` (the default). */
  readonly max?: number | undefined;
}

/** Options of {@link Session.batches}. */
export interface BatchOptions {
  /** Ends the loop normally (no exception) when aborted; the batch in hand is released. */
  readonly signal?: AbortSignal | undefined;
  /** Most packets per batch, an integer in [1, 65536] (default 1024). */
  readonly max?: number | undefined;
}

/**
 * The packets a {@link Session.batches} loop step hands out: every packet that was ready, up to
 * `max`. One object per loop, reused at every step (no allocation per packet or per step).
 *
 * Lifetime: the batch and every view of it are valid until the loop advances (the next `next()`)
 * or ends (`break`, `return`, an exception): then its packets are released to the driver, the
 * object is reset (`count` 0) and reused. Copy what must outlive the step (`batch.packet(i).slice()`).
 * Main thread only.
 */
export interface PacketBatch extends Iterable<Uint8Array> {
  /** Packets in this batch (>= 1 while the loop body runs; 0 once released). */
  readonly count: number;
  /**
   * The whole Send ring; packet `i` is `bytes[offset(i) .. offset(i) + length(i))`. Zero-copy. With
   * the 'dll' engine a batch holds one packet and `bytes` is that packet (offset 0): each packet
   * the DLL hands out is its own view.
   */
  readonly bytes: Uint8Array;
  /**
   * Offset of packet `i` in {@link PacketBatch.bytes}.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless `0 <= i < count`.
   */
  offset(i: number): number;
  /**
   * Length of packet `i` in bytes.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless `0 <= i < count`.
   */
  length(i: number): number;
  /**
   * A view of packet `i` (allocates one small view object; zero-copy).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless `0 <= i < count`.
   */
  packet(i: number): Uint8Array;
  /** Views of the packets in order (allocates one view per packet; zero-copy). */
  [Symbol.iterator](): Iterator<Uint8Array>;
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
   * Returns the space to the driver. Call exactly once (or use `using`): an unreleased lease holds
   * back the Send ring's free space until the session closes. After the session closed it does nothing
   * (the ring is gone; the view stays readable, its memory is never freed under it).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` on a second call.
   */
  release(): void;
}

/**
 * A slot allocated in the Receive ring, to fill in place and commit (zero-copy send). Wire order
 * is allocation order: a committed slot behind an uncommitted earlier one stays invisible to the
 * driver until that one is committed. Main thread only.
 *
 * Lifetime: settle every slot with `commit()` or `discard()`. A slot dropped unsettled is
 * discarded when the garbage collector finds it, so it cannot hold the ring back for ever. Writing
 * into `data` after close or after settling is harmless (the memory lives as long as the view) but
 * reaches nobody.
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
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` when the slot was already settled;
   *   `ERR_WINTUN_CLOSED` after close (the slot is settled anyway; nothing is sent).
   */
  commit(): void;
  /**
   * Gives the slot up: it is published as a record the driver discards (its first byte zeroed, so
   * it is not an IP packet; counted in `stats.sendDiscards`). Idempotent, and a no-op after
   * `commit()` or close.
   */
  discard(): void;
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
  /**
   * Records published as discards (never on the wire): a `sendWith` whose `fill` threw, a slot
   * `discard()`ed or dropped unsettled.
   */
  sendDiscards: number;
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
  /**
   * Packet records a capture lost (summed over its readers): the capture buffer was full or a
   * reader's stream was not keeping up. The packets themselves were not affected.
   */
  captureDrops: number;
}

