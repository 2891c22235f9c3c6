/**
 * The receive path of a `Session`: leases (`tryReceive`/`receive`), the zero-allocation batch
 * callback (`drain`/`receiveInto`), the queue of waiting calls and the pump that waits on the read
 * event for them (spin under load, bounded waits, missed wake-up accounting). The async iterator
 * lives in `batches.ts` and takes its packets through here. Internal: not exported.
 *
 * @module
 */
import { RING_EMPTY, RING_EOF, RING_PAYLOAD_BIAS, SendRingReader, WintunError } from '@wintun-ts/ring';
import { EPB_FLAG_OUTBOUND } from '../capture/pcapng.js';
import type { TunRing } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import { InlineEvent } from '../events/inline.js';
import type { RateGate, SpinGate } from '../rate.js';
import { type SessionCore, MAX_TIMEOUT_MS, checkFunction, checkMax, checkWaitOptions, now, sessionError } from './core.js';
import type { DllPacket, DllPackets } from './dll.js';
import type { ReceiveIntoOptions, ReceiveOptions, ReceivedPacket } from './types.js';

/** Calls of {@link Receiver.countReceived} per rate-gate update (one clock read). */
export const GATE_BATCH = 16;

/** What {@link Lease} builds: a `ReceivedPacket` with writable own properties. */
type LeaseShape = { -readonly [K in keyof ReceivedPacket]: ReceivedPacket[K] };

/**
 * Builds a lease: an object with exactly the own properties of `{ data, length, release,
 * [Symbol.dispose]: dispose }` (same order, plain writable data properties) and `Object.prototype`
 * as its prototype, as that literal would have. A literal with the computed symbol key goes through
 * a V8 runtime call (about 350 ns); a three-key literal plus an assigned symbol puts the fourth
 * property out of object (88 bytes in all). A constructor's instances get all four in-object (56
 * bytes), through inline-cached stores.
 */
const Lease = function Lease(this: LeaseShape, data: Uint8Array, length: number, release: () => void, dispose: () => void): void {
  this.data = data;
  this.length = length;
  this.release = release;
  this[Symbol.dispose] = dispose;
} as unknown as new (data: Uint8Array, length: number, release: () => void, dispose: () => void) => ReceivedPacket;
Lease.prototype = Object.prototype;

/** A queued receive call. */
type Waiter = {
  /** Takes data from the ring for this waiter. Returns false when the ring is empty. */
  take(): boolean;
  /** Rejects the waiter (and detaches its abort listener). */
  fail(error: unknown): void;
  /** When the call times out (`now()` ms), or Infinity without a timeout. */
  readonly deadline: number;
  /** The call's timeout in ms, for its error message. */
  readonly timeoutMs: number;
};

/** The callback of `drain`/`receiveInto`: the packet is `bytes[offset .. offset + length)`. */
export type DrainCallback = (bytes: Uint8Array, offset: number, length: number) => void;

/** How the pump waits: bound of one wait, the rate gate and the spin-cost gate (null: never spin). */
export interface PumpOptions {
  readonly waitMs: number;
  readonly gate: RateGate | null;
  readonly spinGate: SpinGate | null;
}

/**
 * The receive path. One per session; main thread only.
 *
 * Leases are counted (`outstanding`); `release()` after close does nothing, because the ring is gone
 * (the view stays valid: ring memory is reclaimed only once no view of it is reachable). A lease
 * is not tracked by the garbage collector: that would cost about 130 bytes and a registry entry
 * per packet, on the path a lease user already pays most for; a lease dropped unreleased holds its
 * ring space until close (`outstandingPackets` shows it).
 */
export class Receiver {
  /** The Send ring reader (rings engine); null with the 'dll' engine. */
  readonly reader: SendRingReader | null;
  /** The DLL's packets ('dll' engine); null with the rings engine. */
  readonly dll: DllPackets | null;
  readonly #core: SessionCore;
  readonly #ring: TunRing | null;
  readonly #readEvent: AutoResetEvent;
  readonly #pumpOptions: PumpOptions;
  readonly #waiters: Waiter[] = [];
  #pump: Promise<void> | null = null;
  /** True when the read event is an {@link InlineEvent}: waiters are served by its listener. */
  #inline = false;
  #leases = 0;
  /** The ring's buffer and the offset of `ring.bytes` in it: a lease's view is built from them. */
  readonly #buffer: ArrayBufferLike | null;
  readonly #base: number;
  /** Packets counted but not yet given to the rate gate, and the calls that counted them. */
  #gatePending = 0;
  #gateCalls = 0;
  /**
   * The one timer behind every queued call's timeout (see {@link Receiver.wait}) and the deadline it
   * is armed for (Infinity: none armed). Whether it holds the event loop is its own ref state.
   */
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  #deadlineDue = Infinity;
  readonly #onDeadline = (): void => this.#expireDue();

  /** Exactly one of `ring` (rings engine) and `dll` ('dll' engine) is given. */
  constructor(core: SessionCore, ring: TunRing | null, readEvent: AutoResetEvent, pump: PumpOptions, dll: DllPackets | null = null) {
    this.#core = core;
    this.#ring = ring;
    this.reader = ring === null ? null : new SendRingReader(ring);
    this.dll = dll;
    this.#readEvent = readEvent;
    this.#pumpOptions = pump;
    this.#buffer = ring === null ? null : ring.bytes.buffer;
    this.#base = ring === null ? 0 : ring.bytes.byteOffset;
    if (readEvent instanceof InlineEvent) {
      // The driver runs on this thread (inline): it sets the read event from its own callback
      // after every Tail move, so queued calls are served right there, with no pump, no wait
      // promise and no timer per packet. Nothing else can move the Tail meanwhile, so a pump
      // would have nothing to spin or time out on.
      this.#inline = true;
      readEvent.listen(() => this.#onInlineSignal());
    }
  }

  /** Leases handed out and not released yet. */
  get outstanding(): number {
    return this.#leases;
  }

  /** True when waiting calls are queued (they are served before any non-waiting call). */
  get hasWaiters(): boolean {
    return this.#waiters.length > 0;
  }

  /** The pump's promise, or null when it is not running (close awaits it). */
  get pump(): Promise<void> | null {
    return this.#pump;
  }

  tryReceive(): ReceivedPacket | null {
    this.#core.checkOpen();
    if (this.#waiters.length > 0) return null;
    if (this.dll !== null) return this.#dllLease();
    const offset = this.#takeFirst();
    return offset < 0 ? null : this.#lease(offset, this.reader!.lastSize);
  }

  receive(options: ReceiveOptions | undefined): Promise<ReceivedPacket> {
    try {
      checkWaitOptions('Session.receive', options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.dll !== null) {
      return this.wait<ReceivedPacket>(options, (resolve) => {
        const lease = this.#dllLease();
        if (lease === null) return false;
        resolve(lease);
        return true;
      });
    }
    return this.wait<ReceivedPacket>(options, (resolve) => {
      const offset = this.#takeFirst();
      if (offset < 0) return false;
      resolve(this.#lease(offset, this.reader!.lastSize));
      return true;
    });
  }

  drain(fn: DrainCallback, max: number): number {
    checkFunction('Session.drain', 'fn', fn);
    checkMax('Session.drain', max);
    this.#core.checkOpen();
    if (this.#waiters.length > 0) return 0;
    return this.drainNow(fn, max);
  }

  receiveInto(fn: DrainCallback, options: ReceiveIntoOptions | undefined): Promise<number> {
    let max: number;
    try {
      checkFunction('Session.receiveInto', 'fn', fn);
      checkWaitOptions('Session.receiveInto', options);
      max = options?.max ?? Infinity;
      checkMax('Session.receiveInto', max);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.wait<number>(options, (resolve) => {
      const n = this.drainNow(fn, max);
      if (n === 0) return false;
      resolve(n);
      return true;
    });
  }

  /**
   * The zero-copy batch receive behind drain/receiveInto. Allocation-free: the packets are released
   * with the deferred form, a run of them in one `releaseDeferredRun` (one shared Head store per
   * call instead of one per packet; the reader also publishes it before it loads Tail again; each
   * packet stays valid until its `fn` returned), statistics are updated once per call and the
   * rate gate once per {@link GATE_BATCH} calls (the gate reads the clock, which costs more than a
   * packet here).
   */
  drainNow(fn: DrainCallback, max: number): number {
    if (this.dll !== null) return this.#dllDrain(this.dll, fn, max);
    const reader = this.reader!;
    const bytes = this.#ring!.bytes;
    const mask = this.#ring!.capacity - 1;
    const core = this.#core;
    const tap = core.tap;
    let n = 0;
    let total = 0;
    // The packets taken so far that follow each other in the ring (a run), released together
    // (releaseDeferredRun) when the call ends, or earlier when a call inside fn took a packet in
    // between (the next packet then does not start where the run ends). Until then they stay
    // handed out, so no Head store (a lease's release inside fn) can hand their space back.
    let runFirst = 0;
    let runCount = 0;
    let runEnd = -1;
    try {
      // After the first packet, stop as soon as fn closed the session (or it ended).
      while (n < max && (n === 0 || core.state === 'open')) {
        let offset: number;
        if (n === 0) {
          offset = this.receiveFirst();
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
        if (offset !== runEnd) {
          if (runCount > 0) reader.releaseDeferredRun(runFirst, runCount);
          runFirst = offset;
          runCount = 0;
        }
        runCount++;
        runEnd = (((offset - RING_PAYLOAD_BIAS + ((size + 7) & ~3)) & mask) + RING_PAYLOAD_BIAS);
        n++;
        total += size;
        if (tap !== null) tap.record(EPB_FLAG_OUTBOUND, bytes, offset, size);
        fn(bytes, offset, size);
      }
    } finally {
      if (n > 0) {
        try {
          // fn may have closed the session: the ring is gone then, nothing to give back.
          if (runCount > 0 && core.usable) reader.releaseDeferredRun(runFirst, runCount);
        } finally {
          if (core.usable) reader.publishHead();
          this.countReceived(n, total);
        }
      }
    }
    return n;
  }

  /**
   * Updates the counters and the rate gate for `n` packets of `bytes` bytes in total. The gate
   * gets the packets once every {@link GATE_BATCH} calls (and before the pump asks it whether to
   * spin, {@link Receiver.flushGate}): its `record` reads the clock, which cost about 40 ns, more
   * than a whole lease otherwise. At most `GATE_BATCH - 1` calls' packets are attributed to a
   * window one clock read late, against windows of 250 ms.
   */
  countReceived(n: number, bytes: number): void {
    const stats = this.#core.stats;
    stats.packetsReceived += n;
    stats.bytesReceived += bytes;
    if (this.#pumpOptions.gate === null) return;
    this.#gatePending += n;
    if (++this.#gateCalls >= GATE_BATCH) this.flushGate();
  }

  /** Gives the rate gate the packets counted since its last update (at `at`, or one clock read). */
  flushGate(at?: number): void {
    const gate = this.#pumpOptions.gate;
    this.#gateCalls = 0;
    if (gate === null || this.#gatePending === 0) return;
    const n = this.#gatePending;
    this.#gatePending = 0;
    gate.record(n, at);
  }

  /** reader.receive() for the first packet of a call: EOF and corruption become the session's final state. */
  receiveFirst(): number {
    let offset: number;
    try {
      offset = this.reader!.receive();
    } catch (error) {
      const e = error instanceof WintunError ? error : sessionError('ERR_WINTUN_RING_CORRUPT', 'The Send ring is corrupt.', error);
      this.#core.enterFinal('failed', e);
      throw e;
    }
    if (offset === RING_EOF) {
      const e = sessionError('ERR_WINTUN_EOF', 'The driver ended the session (Send ring closed): the adapter is going away. Close the session.');
      this.#core.enterFinal('eof', e);
      throw e;
    }
    return offset;
  }

  #takeFirst(): number {
    const offset = this.receiveFirst();
    if (offset === RING_EMPTY) return RING_EMPTY;
    this.countReceived(1, this.reader!.lastSize);
    const tap = this.#core.tap;
    if (tap !== null) tap.record(EPB_FLAG_OUTBOUND, this.#ring!.bytes, offset, this.reader!.lastSize);
    return offset;
  }

  /**
   * 'dll' engine: the first packet of a call, or null when the ring is empty. The DLL's EOF and
   * corruption become the session's final state (as {@link Receiver.receiveFirst}).
   */
  dllFirst(dll: DllPackets): DllPacket | null {
    try {
      const p = dll.receive();
      const tap = this.#core.tap;
      if (p !== null && tap !== null) tap.record(EPB_FLAG_OUTBOUND, p.bytes, 0, p.bytes.byteLength);
      return p;
    } catch (error) {
      if (error instanceof WintunError && error.code === 'ERR_WINTUN_EOF') {
        const e = sessionError('ERR_WINTUN_EOF', 'The driver ended the session (WintunReceivePacket: ERROR_HANDLE_EOF): the adapter is going away. Close the session.', error);
        this.#core.enterFinal('eof', e);
        throw e;
      }
      const e = error instanceof WintunError ? error : sessionError('ERR_WINTUN_RING_CORRUPT', 'WintunReceivePacket failed.', error);
      this.#core.enterFinal('failed', e);
      throw e;
    }
  }

  /** 'dll' engine: a lease over the next packet, or null. */
  #dllLease(): ReceivedPacket | null {
    const dll = this.dll!;
    const p = this.dllFirst(dll);
    if (p === null) return null;
    const size = p.bytes.byteLength;
    this.countReceived(1, size);
    this.#leases++;
    let released = false;
    const release = (): void => {
      if (released) throw sessionError('ERR_WINTUN_INVALID_STATE', 'This packet was already released.');
      released = true;
      this.#leases--;
      dll.release(p);
    };
    return new Lease(p.bytes, size, release, (): void => {
      if (!released) release();
    });
  }

  /** 'dll' engine form of {@link Receiver.drainNow}: one `WintunReceivePacket` per packet, each released after `fn`. */
  #dllDrain(dll: DllPackets, fn: DrainCallback, max: number): number {
    const core = this.#core;
    let n = 0;
    let total = 0;
    try {
      while (n < max && (n === 0 || core.state === 'open')) {
        let p: DllPacket | null;
        if (n === 0) {
          p = this.dllFirst(dll);
        } else {
          try {
            p = dll.receive();
          } catch {
            break; // an end condition is left for the next call
          }
          const tap = core.tap;
          if (p !== null && tap !== null) tap.record(EPB_FLAG_OUTBOUND, p.bytes, 0, p.bytes.byteLength);
        }
        if (p === null) break;
        const size = p.bytes.byteLength;
        n++;
        total += size;
        try {
          fn(p.bytes, 0, size);
        } finally {
          dll.release(p);
        }
      }
    } finally {
      if (n > 0) this.countReceived(n, total);
    }
    return n;
  }

  #lease(offset: number, size: number): ReceivedPacket {
    this.#leases++;
    let released = false;
    // A view built from the buffer: `bytes.subarray` costs about 12 ns more (species lookup).
    const data = new Uint8Array(this.#buffer!, this.#base + offset, size);
    const release = (): void => {
      if (released) throw sessionError('ERR_WINTUN_INVALID_STATE', 'This packet was already released.');
      released = true;
      this.#leases--;
      if (this.#core.usable) this.reader!.release(offset);
    };
    return new Lease(data, size, release, (): void => {
      if (!released) release();
    });
  }

  /** Rejects every queued call with `error`. */
  failAll(error: unknown): void {
    const waiters = this.#waiters.splice(0);
    this.#dropDeadlineTimer();
    for (const w of waiters) w.fail(error);
  }

  /**
   * Queues a waiting call: `take(resolve)` is tried now (when nobody is queued before it) and then
   * by the pump whenever the read event fires, until it returns true. Options were checked.
   *
   * Timeouts share one timer per receiver instead of a `setTimeout`/`clearTimeout` pair per call:
   * a call records its deadline, the timer is armed for the earliest one, and a call that gets its
   * packet leaves the timer as it is (it fires at most once per timeout period, expires the calls
   * that are due and re-arms for the next). Creating and clearing a timer per call made Node
   * create and delete its list for that duration each time, which cost more per reflected packet
   * at 20 kpps than the rest of the receive path. The timer holds the event loop only while calls
   * are queued (and the session is ref'd), as the per-call timers did.
   */
  wait<T>(options: ReceiveOptions | undefined, take: (resolve: (value: T) => void) => boolean): Promise<T> {
    const signal = options?.signal;
    const timeout = options?.timeout;
    return new Promise<T>((resolve, reject) => {
      try {
        this.#core.checkOpen();
        if (signal?.aborted) throw sessionError('ERR_WINTUN_ABORTED', 'The receive was aborted.', signal.reason);
        // Fast path: nobody queued before us and data is there.
        if (this.#waiters.length === 0 && take(resolve)) return;
      } catch (error) {
        reject(error);
        return;
      }
      const timeoutMs = timeout === undefined ? Infinity : Math.min(timeout, MAX_TIMEOUT_MS);
      const deliver =
        signal === undefined
          ? resolve
          : (value: T): void => {
              signal.removeEventListener('abort', onAbort);
              resolve(value);
            };
      const waiter: Waiter = {
        take: () => {
          try {
            return take(deliver);
          } catch (error) {
            // Final ring states already failed every waiter; a callback error fails only this one.
            signal?.removeEventListener('abort', onAbort);
            reject(error);
            return true;
          }
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
        deadline: timeout === undefined ? Infinity : now() + timeoutMs,
        timeoutMs,
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        if (this.#waiters.length === 0) this.#releaseDeadlineTimer();
        waiter.fail(sessionError('ERR_WINTUN_ABORTED', 'The receive was aborted.', signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      if (waiter.deadline !== Infinity) this.#armDeadline(waiter.deadline);
      if (this.#pump === null && !this.#inline) this.#pump = this.#runPump();
    });
  }

  /** Arms the shared timeout timer for `deadline` unless it is already armed for an earlier one. */
  #armDeadline(deadline: number): void {
    if (deadline >= this.#deadlineDue) {
      this.#holdDeadlineTimer();
      return;
    }
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#deadlineDue = deadline;
    // A timer never fires early by its own clock; rounding up keeps it from firing before `deadline`.
    this.#deadlineTimer = this.#core.timer(setTimeout(this.#onDeadline, Math.max(0, Math.ceil(deadline - now()))));
  }

  /** A call was queued: the armed timer holds the event loop again (unless the session is unref'd). */
  #holdDeadlineTimer(): void {
    if (this.#core.keepAlive) this.#deadlineTimer?.ref();
  }

  /** No call is queued: the armed timer stops holding the event loop (it stays armed). */
  #releaseDeadlineTimer(): void {
    this.#deadlineTimer?.unref();
  }

  /** Disarms the shared timer (clearing one that already fired is a no-op). */
  #dropDeadlineTimer(): void {
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#deadlineDue = Infinity;
  }

  /** The shared timer fired: time out every queued call that is due (in queue order), re-arm for the rest. */
  #expireDue(): void {
    this.#dropDeadlineTimer();
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    const t = now();
    let next = Infinity;
    const due: Waiter[] = [];
    for (let i = 0; i < waiters.length; ) {
      const w = waiters[i]!;
      if (w.deadline <= t) {
        waiters.splice(i, 1);
        due.push(w);
        continue;
      }
      if (w.deadline < next) next = w.deadline;
      i++;
    }
    if (next !== Infinity) this.#armDeadline(next);
    for (const w of due) w.fail(sessionError('ERR_WINTUN_TIMEOUT', `No packet arrived within ${w.timeoutMs} ms.`));
  }

  /** The inline driver published packets (or the session is closing): serve the queued calls. */
  #onInlineSignal(): void {
    const core = this.#core;
    if (this.#waiters.length === 0 || core.state !== 'open') return;
    core.stats.wakeups++;
    try {
      this.#serve();
    } catch (error) {
      this.failAll(error);
    }
  }

  /** Serves queued waiters in order while the ring has data. @returns false when it ran dry. */
  #serve(): boolean {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0]!;
      if (!waiter.take()) return false;
      if (this.#waiters[0] === waiter) this.#waiters.shift();
    }
    this.#releaseDeadlineTimer();
    return true;
  }

  async #runPump(): Promise<void> {
    // Always yield once first, so that `this.#pump` is assigned before the finally block clears it.
    await undefined;
    const core = this.#core;
    const stats = core.stats;
    const { waitMs, gate, spinGate } = this.#pumpOptions;
    // The 'dll' engine cannot see the Tail: no spin (its spinGate is null), no missed wake-up accounting.
    const ring = this.#ring;
    try {
      while (this.#waiters.length > 0 && core.state === 'open') {
        if (this.#serve()) continue;
        // The ring is empty. Remember the Tail we saw, spin while it pays for itself, then wait.
        const seenTail = ring === null ? 0 : ring.loadTail();
        const emptyAt = spinGate === null ? 0 : now();
        this.flushGate(spinGate === null ? undefined : emptyAt);
        let measured = false;
        const spinMs = ring !== null && spinGate !== null && gate !== null && gate.shouldSpin(emptyAt) ? spinGate.nextSpinMs() : 0;
        if (ring !== null && spinGate !== null && spinMs > 0) {
          stats.spins++;
          const end = emptyAt + spinMs;
          let t = emptyAt;
          let hit = false;
          while (t < end) {
            if (ring.loadTail() !== seenTail) {
              hit = true;
              break;
            }
            t = now();
          }
          if (hit) {
            stats.spinHits++;
            spinGate.record(t - emptyAt);
            continue;
          }
          spinGate.record(Infinity);
          measured = true;
        }
        const signalled = await this.#readEvent.wait(waitMs, !core.keepAlive);
        if (core.state !== 'open') break;
        if (signalled) {
          stats.wakeups++;
          if (!measured) spinGate?.record(now() - emptyAt, true);
          continue;
        }
        if (!measured) spinGate?.record(Infinity);
        stats.waitTimeouts++;
        if (ring !== null && ring.loadTail() !== seenTail && !(await this.#readEvent.wait(0))) {
          // Data arrived while we slept and no signal is pending: a missed wake-up.
          stats.timeoutsWithDataPending++;
        }
      }
    } catch (error) {
      this.failAll(error);
    } finally {
      this.#pump = null;
      // A waiter may have queued while the pump was finishing.
      if (this.#waiters.length > 0 && core.state === 'open') this.#pump = this.#runPump();
    }
  }
}
